"""Import every capability's models so that Alembic and tests see one metadata."""

from joinedup.accounts import models as _accounts  # noqa: F401
from joinedup.audit import models as _audit  # noqa: F401
from joinedup.gazetteer import models as _gazetteer  # noqa: F401
from joinedup.ingest import models as _ingest  # noqa: F401
from joinedup.partners import models as _partners  # noqa: F401
from joinedup.people import models as _people  # noqa: F401
from joinedup.sharing import models as _sharing  # noqa: F401
from joinedup.db import Base

metadata = Base.metadata
