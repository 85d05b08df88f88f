"""The sequencer: gives committed entries their places in the log and extends the tree.

An entry is written, unsequenced (``log_index`` empty), in the same transaction as the
act it records. The sequencer, holding the lock on the one ``audit_log_state`` row (an
UPDATE of it first thing: a row lock on PostgreSQL, as SELECT … FOR UPDATE would take;
the write lock on SQLite), reads the entries that have committed and are still
unsequenced, gives them the next dense positions, stores each leaf's hash, and moves the
tree's right edge on. A transaction that commits later is simply not seen yet: its entries
get later positions in a later run, so no position below the tree's size ever changes,
and a checkpoint (signed in the sequencer's transaction) covers only what is sequenced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from joinedup.audit.entries import EntryReader, logged_tables
from joinedup.audit.merkle import EMPTY_ROOT, Frontier
from joinedup.audit.models import AuditLogLeaf, AuditLogState
from joinedup.db import transaction, utcnow
from joinedup.db.bulk import BulkInsert

STATE_ID = 1
#: Entries sequenced per transaction: a backlog (the history before the log existed, or a
#: long pause) is taken in steps, so the lock is never held for long.
BATCH = 20_000

_STATE = AuditLogState.__table__
_LEAVES = AuditLogLeaf.__table__


@dataclass(frozen=True)
class TreeState:
    """The sequenced tree: how many entries, and its root hash."""

    size: int
    root: bytes


def _lock(session: Session) -> Frontier:
    """Take the sequencer's lock and read the tree's right edge (creating the state row once)."""
    lock = update(_STATE).where(_STATE.c.id == STATE_ID).values(sequenced_at=utcnow())
    if session.execute(lock).rowcount == 0:
        dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(dialect_insert(_STATE).values(
            id=STATE_ID, size=0, frontier=[], root_hash=EMPTY_ROOT.hex(), sequenced_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["id"]))
        session.execute(lock)
    size, frontier = session.execute(select(_STATE.c.size, _STATE.c.frontier).where(_STATE.c.id == STATE_ID)).one()
    return Frontier(size, [bytes.fromhex(node) for node in frontier])


def sequence_step(session: Session, limit: int = BATCH) -> tuple[int, TreeState]:
    """In the caller's transaction, which it must begin: lock, sequence up to ``limit``
    committed entries of each logged table, and return how many and the tree's state."""
    frontier = _lock(session)
    connection = session.connection()
    pending = []
    for order, logged in enumerate(logged_tables()):
        reader = EntryReader(logged, connection.dialect)
        at = 2 + logged.fields.index("at")
        pending.extend((row[at], order, row[0], reader, row[2:])
                       for row in reader.rows(connection, logged.table.c.log_index.is_(None), limit=limit))
    pending.sort(key=lambda item: item[:3])
    leaves, places = [], {logged.name: [] for logged in logged_tables()}
    for _at, _order, row_id, reader, values in pending:
        leaf = reader.hash(row_id, values)
        index = frontier.size
        frontier.append(leaf)
        leaves.append({"log_index": index, "source": reader.logged.name, "row_id": row_id, "leaf_hash": leaf})
        places[reader.logged.name].append((row_id, index))
    if leaves:
        writer = BulkInsert(_LEAVES, connection.dialect, ("log_index", "source", "row_id", "leaf_hash"))
        writer.write(connection, writer.prepare(leaves))
        for logged in logged_tables():
            _place(connection, logged.table, places[logged.name])
        session.execute(update(_STATE).where(_STATE.c.id == STATE_ID).values(
            size=frontier.size, frontier=[node.hex() for node in frontier.nodes], root_hash=frontier.root().hex()))
    return len(leaves), TreeState(frontier.size, frontier.root())


def _place(connection: Connection, table: Table, places: list[tuple[int, int]]) -> None:
    """Write each entry's position, (row id, position) pairs, at the driver's speed: one
    statement over two arrays on PostgreSQL, the driver's executemany on SQLite."""
    if not places:
        return
    name = connection.dialect.identifier_preparer.format_table(table)
    if connection.dialect.name == "postgresql":
        ids, indices = zip(*places, strict=True)
        connection.exec_driver_sql(
            f"UPDATE {name} SET log_index = places.log_index FROM unnest(%s::bigint[], %s::bigint[])"
            f" AS places(id, log_index) WHERE {name}.id = places.id", (list(ids), list(indices)))
        return
    connection.exec_driver_sql(f"UPDATE {name} SET log_index = ? WHERE id = ?",
                               [(index, row_id) for row_id, index in places])


def sequence(engine: Engine, *, progress: Callable[[int], None] | None = None) -> TreeState:
    """Sequence every entry committed so far, a batch per transaction."""
    while True:
        with transaction(engine) as session:
            count, state = sequence_step(session)
        if progress:
            progress(count)
        if count < BATCH:
            return state


def tree_state(connection: Session | Connection) -> TreeState:
    """The sequenced tree as stored (an empty tree before the first sequencing)."""
    row = connection.execute(select(_STATE.c.size, _STATE.c.root_hash).where(_STATE.c.id == STATE_ID)).first()
    return TreeState(row.size, bytes.fromhex(row.root_hash)) if row else TreeState(0, EMPTY_ROOT)


def unsequenced(connection: Connection) -> int:
    """How many committed entries wait for the sequencer."""
    return sum(connection.execute(select(func.count()).where(logged.table.c.log_index.is_(None))).scalar_one()
               for logged in logged_tables())
