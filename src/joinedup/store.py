"""Open the operational store that the settings name, migrated to the latest schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from joinedup.config import Settings
from joinedup.db import engine_for
from joinedup.db.migrate import upgrade


def initialise(settings: Settings) -> Engine:
    """Create the data directory and secret key, and apply every migration (idempotent).

    The data directory holds the database, the key and the synthetic place, so only its
    owner may enter it (0700), whatever the umask.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o700)
    settings.secret_key()
    engine = engine_for(settings.database_url)
    upgrade(engine)
    return engine
