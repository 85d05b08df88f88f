"""The whole schema: every capability's tables in one metadata, for Alembic's migrations
(``db/migrations/env.py``) and the tests. It sits at the top of the layers, beside the web
app and the CLI, because it imports every capability; nothing below imports it."""

from joinedup.accounts import models as _accounts  # noqa: F401
from joinedup.audit import models as _audit  # noqa: F401
from joinedup.flags import models as _flags  # noqa: F401
from joinedup.gazetteer import models as _gazetteer  # noqa: F401
from joinedup.ingest import models as _ingest  # noqa: F401
from joinedup.involvements import models as _involvements  # noqa: F401
from joinedup.monitoring import models as _monitoring  # noqa: F401
from joinedup.partners import models as _partners  # noqa: F401
from joinedup.people import models as _people  # noqa: F401
from joinedup.sharing import models as _sharing  # noqa: F401
from joinedup.transparency import models as _transparency  # noqa: F401
from joinedup.db import Base

metadata = Base.metadata
