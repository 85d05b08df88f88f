"""The SQLite database file holds personal data: only its owner may read it."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from joinedup.db import make_engine


def test_the_database_file_and_its_wal_and_shm_files_are_private(tmp_path):
    path = tmp_path / "store" / "joinedup.db"
    previous = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as connection:
            connection.execute(text("create table t (x integer)"))
            connection.execute(text("insert into t values (1)"))
        with engine.connect() as connection:
            connection.execute(text("select * from t")).all()
            files = [path, path.with_name("joinedup.db-wal"), path.with_name("joinedup.db-shm")]
            modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
        engine.dispose()
    finally:
        os.umask(previous)
    assert modes == {"joinedup.db": 0o600, "joinedup.db-wal": 0o600, "joinedup.db-shm": 0o600}


def test_an_existing_database_file_is_opened_as_it_is(tmp_path):
    path = tmp_path / "joinedup.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("create table t (x integer)"))
    engine.dispose()
    again = make_engine(f"sqlite:///{path}")
    with again.connect() as connection:
        assert connection.execute(text("select count(*) from t")).scalar() == 0
    again.dispose()


def test_each_connection_lets_sqlites_sorter_use_a_helper_thread_per_core(tmp_path):
    """A link run builds its indexes over a million rows; SQLite sorts for them on one
    thread unless a connection allows helpers (docs/people.md, "Sorting with helper threads")."""
    engine = make_engine(f"sqlite:///{tmp_path / 'joinedup.db'}")
    with engine.connect() as connection:
        threads = connection.exec_driver_sql("PRAGMA threads").scalar()
    engine.dispose()
    assert threads == min(os.cpu_count() or 1, 4)
