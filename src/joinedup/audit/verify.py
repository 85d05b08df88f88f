"""Verifying the log: recompute every entry from its row and check the tree against a
signed checkpoint, naming the first entry that fails.

Each sequenced row is encoded again and compared with the leaf hash stored when it was
sequenced, at its position: an edited row, a deleted one (a position nobody holds, unless
it is below the mark of a withholding that itself verifies: docs/audit.md), two
swapped (a position held by another row than the one sequenced there) or a forged one
(a second claim to a position, or a position past the log's end) is named by its
position, table and id. Then the tree of the stored leaves must have the checkpoint's
signed root: if rows and stored leaves were both rewritten, the kept checkpoints narrow
it down to the first range whose signed root no longer matches. An entry not yet
sequenced but dated well before the latest checkpoint was not written when it says.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from joinedup.audit.checkpoints import Checkpoint, Verifier, open_checkpoint
from joinedup.audit.entries import EntryReader, logged_table, logged_tables, stream
from joinedup.audit.log import (
    LogError,
    StoredCheckpoint,
    prove_consistency,
    stored_checkpoints,
)
from joinedup.audit.merkle import Frontier, ProofError, root, verify_consistency
from joinedup.audit.models import AuditLogLeaf
from joinedup.audit.sequencer import tree_state
from joinedup.audit.withholding import withholding_marks
from joinedup.db import make_engine

#: How long a write transaction may plausibly stay open between dating its entry and
#: committing it: an unsequenced entry dated longer than this before a checkpoint was made
#: is reported as backdated. Far longer than the store's 60 s busy timeout.
BACKDATING_GRACE = timedelta(minutes=10)

#: Processes ``joinedup audit verify`` checks rows with unless told otherwise.
DEFAULT_WORKERS = min(os.cpu_count() or 1, 8)
#: Fewer places than this per worker are checked in one process: starting workers costs more.
RANGE_MINIMUM = 25_000

_LEAVES = AuditLogLeaf.__table__


@dataclass(frozen=True)
class Failure:
    """One thing wrong with the log: where (position, table, row id) and what."""

    index: int | None
    source: str
    row_id: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"entry {self.index}" if self.index is not None else "an unsequenced entry"
        row = f" ({self.source} {self.row_id})" if self.source else ""
        return f"{where}{row}: {self.message}"


@dataclass(frozen=True)
class Verification:
    checkpoint: Checkpoint
    sequenced: int
    unsequenced: int
    failures: list[Failure] = field(default_factory=list)
    #: Entries whose rows were withheld at the end of their retention (their leaves stay).
    withheld: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def first(self) -> Failure | None:
        return self.failures[0] if self.failures else None


Progress = Callable[[int, int], None]


def verify_log(connection: Connection, checkpoint: Checkpoint, *, kept: list[StoredCheckpoint] = (),
               progress: Progress | None = None, workers: int = 1) -> Verification:
    """Check every entry against the stored leaves and the tree against ``checkpoint``
    (already signature-checked); ``kept`` are the other signature-checked checkpoints, which
    narrow down a rewrite of rows and leaves together. ``progress(done, total)`` is called
    as entries are checked. With ``workers`` above one, a large log's rows are checked in
    ranges of positions by that many processes, each with its own connection: they read
    what is committed, so this is for a log verified from outside its writers' transactions.

    The common case, nothing wrong, is kept fast (a million entries in seconds): each row
    is hashed and compared with its stored leaf, and only a place that fails is looked
    into further, to say what happened there."""
    sequenced = tree_state(connection).size
    size = max(sequenced, checkpoint.size)
    failures: list[Failure] = []
    for source in connection.execute(select(_LEAVES.c.source).distinct()).scalars():
        logged_table(source)

    with _started(connection, size, sequenced, workers) as started:
        hashes: list[bytes | None] = [None] * size
        leaves = select(_LEAVES.c.log_index, _LEAVES.c.leaf_hash).order_by(_LEAVES.c.log_index)
        for index, leaf in stream(connection, str(leaves.compile(dialect=connection.dialect))):
            if index < size:
                hashes[index] = bytes(leaf)
            else:
                failures.append(Failure(index, "", None, "forged",
                                        f"a leaf past the end of the log ({sequenced:,} entries sequenced)"))
        # The tree is checked while any workers check rows.
        tree = _tree_failures(hashes, checkpoint, kept, sequenced, connection)

        claimed = bytearray(size)
        unmatched: list[tuple[int, str, int]] = []
        doubles: list[tuple[int, str, int, bool]] = []
        for checked in _checked_ranges(connection, size, sequenced, hashes, started, progress):
            failures.extend(checked.failures)
            unmatched.extend(checked.unmatched)
            doubles.extend(checked.doubles)
            claimed[checked.low:checked.high] = checked.claimed
    if progress:
        progress(size, size)
    unmatched, inserted = _claimed_twice(connection, unmatched, doubles)
    failures.extend(inserted)
    failed = {index for index, _source, _row_id in unmatched}
    mark = max((below for _row_id, index, below in withholding_marks(connection)
                if index < size and claimed[index] and index not in failed and below <= index), default=0)
    withheld = sum(1 for index in range(min(mark, size)) if not claimed[index])
    failures.extend(_explained(connection, unmatched,
                               [index for index in range(mark, size) if not claimed[index]]))

    precise = [failure.index for failure in failures if failure.index is not None]
    for failure in tree:
        end = failure.row_id if failure.kind == "rewritten" else None
        if end is None or not any(failure.index <= index < end for index in precise):
            failures.append(failure)
    unsequenced, backdated = _unsequenced(connection, kept, checkpoint)
    failures.extend(backdated)
    failures.sort(key=lambda failure: (failure.index is None, failure.index or 0))
    return Verification(checkpoint, sequenced, unsequenced, failures, withheld)


class _Range(NamedTuple):
    """What checking the rows at places ``low`` to ``high`` found: ``claimed[i]`` is set when
    a row holds place ``low + i``; ``doubles`` are the rows read after another row had
    claimed their place (place, table, row id, whether it matches the place's leaf);
    ``count`` is the rows read."""

    low: int
    high: int
    failures: list[Failure]
    unmatched: list[tuple[int, str, int]]
    doubles: list[tuple[int, str, int, bool]]
    claimed: bytearray
    count: int


INSERTED = "claims a place another entry holds: it was inserted"


def _check_rows(connection: Connection, size: int, sequenced: int, low: int, high: int,
                leaves: Sequence[bytes | None], progress: Progress | None) -> _Range:
    """Each row sequenced at a place from ``low`` to ``high`` (``leaves[i]`` is the stored
    leaf of place ``low + i``) hashed and compared with its leaf. The first range also takes
    any place below it and the last any place past it, so every sequenced row is read once:
    a place past the end is forged; a place claimed twice, and a hash that differs, are
    looked into later, once all ranges are in."""
    claimed = bytearray(high - low)
    failures: list[Failure] = []
    unmatched: list[tuple[int, str, int]] = []
    doubles: list[tuple[int, str, int, bool]] = []
    done = 0
    for logged in logged_tables():
        reader = EntryReader(logged, connection.dialect)
        leaf = reader.leaf
        place = logged.table.c.log_index
        where = place.is_not(None)
        if low > 0:
            where = where & (place >= low)
        if high < size:
            where = where & (place < high)
        # The whole log is read in the table's own order (no walk of the index of places).
        for row in reader.rows(connection, where, order_by="log_index" if low > 0 or high < size else "id"):
            row_id, index = row[0], row[1]
            done += 1
            if progress and not done % 50_000:
                progress(done, size)
            if index >= size:
                failures.append(Failure(index, logged.name, row_id, "forged",
                                        f"claims a place past the end of the log ({sequenced:,} entries sequenced)"))
            elif claimed[index - low]:
                doubles.append((index, logged.name, row_id, leaf(row) == leaves[index - low]))
            else:
                claimed[index - low] = 1
                if leaf(row) != leaves[index - low]:
                    unmatched.append((index, logged.name, row_id))
    return _Range(low, high, failures, unmatched, doubles, claimed, done)


@contextmanager
def _started(connection: Connection, size: int, sequenced: int, workers: int) -> Iterator[list[Future] | None]:
    """Workers checking the rows by ranges of places, one range each, when the log is large
    enough to repay starting them (None: this process checks them)."""
    url = connection.engine.url
    if workers < 2 or size < workers * RANGE_MINIMUM or url.database in (None, "", ":memory:"):
        yield None
        return
    bounds = [size * part // workers for part in range(workers + 1)]
    address = url.render_as_string(hide_password=False)
    # Forked workers make no reference cycles; collecting would only walk (and copy) the
    # parent's heap they share.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=gc.disable) as pool:
        yield [pool.submit(_check_range, address, size, sequenced, low, high)
               for low, high in itertools.pairwise(bounds)]


def _checked_ranges(connection: Connection, size: int, sequenced: int, hashes: list[bytes | None],
                    started: list[Future] | None, progress: Progress | None) -> Iterator[_Range]:
    """Every sequenced row checked against its stored leaf: by the ``started`` workers, or
    in this process."""
    if started is None:
        yield _check_rows(connection, size, sequenced, 0, size, hashes, progress)
        return
    if progress:
        done = 0
        for future in as_completed(started):
            done += future.result().count
            progress(min(done, size), size)
    for future in started:
        yield future.result()


def _check_range(address: str, size: int, sequenced: int, low: int, high: int) -> _Range:
    """One worker's range (see _check_rows), read through its own connection."""
    engine = make_engine(address)
    try:
        with engine.connect() as connection:
            leaves: list[bytes | None] = [None] * (high - low)
            query = (select(_LEAVES.c.log_index, _LEAVES.c.leaf_hash)
                     .where(_LEAVES.c.log_index >= low, _LEAVES.c.log_index < high))
            for index, leaf in stream(connection, str(query.compile(dialect=connection.dialect,
                                                                    compile_kwargs={"literal_binds": True}))):
                leaves[index - low] = bytes(leaf)
            return _check_rows(connection, size, sequenced, low, high, leaves, None)
    finally:
        engine.dispose()


def _owners(connection: Connection, places: list[int]) -> dict[int, tuple[str, int]]:
    """Place → (table, row id) its leaf was sequenced for."""
    owners: dict[int, tuple[str, int]] = {}
    for start in range(0, len(places), 1000):
        owners.update((index, (source, row_id)) for index, source, row_id in connection.execute(
            select(_LEAVES.c.log_index, _LEAVES.c.source, _LEAVES.c.row_id)
            .where(_LEAVES.c.log_index.in_(places[start:start + 1000]))))
    return owners


def _claimed_twice(connection: Connection, unmatched: list[tuple[int, str, int]],
                   doubles: list[tuple[int, str, int, bool]]) -> tuple[list[tuple[int, str, int]], list[Failure]]:
    """A place two rows claim belongs to the row its leaf names (table and row id); the
    other was inserted, whichever of them was read first (the tables are read one after
    the other, so a forger in the first table is read before the row it displaces).
    Returns the places left to explain, and the inserted rows."""
    if not doubles:
        return unmatched, []
    owners = _owners(connection, sorted({index for index, *_rest in doubles}))
    first_failed = {index: (source, row_id) for index, source, row_id in unmatched}
    left, inserted = list(unmatched), []
    for index, source, row_id, matches in doubles:
        if owners.get(index) == (source, row_id) and index in first_failed:
            first = first_failed.pop(index)  # read first, and not the row sequenced here
            left.remove((index, *first))
            inserted.append(Failure(index, *first, "forged", INSERTED))
            if not matches:
                left.append((index, source, row_id))  # the place's own row, edited too
        else:
            inserted.append(Failure(index, source, row_id, "forged", INSERTED))
    return left, inserted


def _explained(connection: Connection, unmatched: list[tuple[int, str, int]], unclaimed: list[int]) -> list[Failure]:
    """What happened at each place that failed, from the row sequenced there: a row whose
    hash changed is edited, or moved if another row was sequenced at its place; a place no
    row holds was deleted."""
    owners = _owners(connection, [index for index, _source, _row_id in unmatched] + unclaimed)
    failures = []
    for index, source, row_id in unmatched:
        if index not in owners:
            failures.append(Failure(index, source, row_id, "forged", "holds a place whose leaf is missing"))
        elif owners[index] == (source, row_id):
            failures.append(Failure(index, source, row_id, "edited", "its content has changed since it was sequenced"))
        else:
            failures.append(Failure(index, source, row_id, "moved",
                                    f"holds the place sequenced for {owners[index][0]} {owners[index][1]}: "
                                    "entries were reordered or replaced"))
    for index in unclaimed:
        if index in owners:
            failures.append(Failure(index, *owners[index], "deleted",
                                    "its row is gone (deleted, or its place was cleared)"))
        else:
            failures.append(Failure(index, "", None, "deleted", "its row and its leaf are gone"))
    return failures


def _tree_failures(hashes: list[bytes | None], checkpoint: Checkpoint, kept: list[StoredCheckpoint],
                   sequenced: int, connection: Connection) -> list[Failure]:
    """The stored leaves' tree against the checkpoint and the sequencer's state; when the
    checkpoint's root is not met, the kept checkpoints narrow down where."""
    leaves = [leaf or b"" for leaf in hashes]
    failures = []
    signed_root = root(leaves[:checkpoint.size])
    if signed_root != checkpoint.root:
        sizes = {stored.checkpoint.size: stored.checkpoint for stored in kept if stored.checkpoint.size <= checkpoint.size}
        sizes[checkpoint.size] = checkpoint
        frontier, good = Frontier(), 0
        for size in sorted(sizes):
            for leaf in leaves[frontier.size:size]:
                frontier.append(leaf)
            if frontier.root() != sizes[size].root:
                failures.append(Failure(good, "", size, "rewritten",
                                        f"the tree of entries {good:,} to {size - 1:,} no longer has the root signed "
                                        f"at size {size:,}: an entry there was changed with its stored leaf"))
                break
            good = size
    if (signed_root if sequenced == checkpoint.size else root(leaves[:sequenced])) != tree_state(connection).root:
        failures.append(Failure(sequenced, "", None, "state",
                                "the sequencer's stored tree root is not the root of the stored leaves"))
    return failures


def _unsequenced(connection: Connection, kept: list[StoredCheckpoint], checkpoint: Checkpoint
                 ) -> tuple[int, list[Failure]]:
    """How many entries wait to be sequenced, and those dated well before a checkpoint
    that did not cover them (backdated: written later than they say)."""
    made = max((stored.created_at for stored in kept), default=None)
    count, failures = 0, []
    for logged in logged_tables():
        table = logged.table
        count += connection.execute(select(func.count()).where(table.c.log_index.is_(None))).scalar_one()
        if made is None:
            continue
        for row_id, at in connection.execute(select(table.c.id, table.c.at).where(
                table.c.log_index.is_(None), table.c.at < made - BACKDATING_GRACE).order_by(table.c.id)):
            failures.append(Failure(None, logged.name, row_id, "backdated",
                                    f"dated {_when(at)} but not in the checkpoint made {_when(made)}: "
                                    "it was written later than it says"))
    return count, failures


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def verify_checkpoint(connection: Connection, verifier: Verifier, note: str | None = None, *,
                      progress: Progress | None = None, workers: int = 1) -> Verification:
    """What ``joinedup audit verify`` does: the log against the latest kept checkpoint, or
    against ``note`` (a checkpoint a partner kept), which must then also be consistent with
    the latest kept one. Every checkpoint must be signed by ``verifier``; ``workers`` as
    verify_log takes them."""
    kept = stored_checkpoints(connection, verifier)
    if note is None and not kept:
        raise LogError("no checkpoint has been made yet: run joinedup audit checkpoint")
    checkpoint = open_checkpoint(note, verifier) if note is not None else kept[-1].checkpoint
    result = verify_log(connection, checkpoint, kept=kept, progress=progress, workers=workers)
    latest = kept[-1].checkpoint if kept else None
    if note is None or latest is None or checkpoint.size == 0:
        return result
    if checkpoint.size > latest.size:
        result.failures.append(Failure(latest.size, "", None, "rewritten",
                                       f"the checkpoint of size {checkpoint.size} is newer than any kept here "
                                       f"(latest {latest.size}): the log's newer checkpoints are gone"))
        return result
    try:
        proof = prove_consistency(connection, checkpoint.size, latest.size)
        verify_consistency(checkpoint.size, latest.size, checkpoint.root, latest.root, proof)
    except (LogError, ProofError) as exc:
        result.failures.append(Failure(None, "", None, "rewritten",
                                       f"the latest kept checkpoint (size {latest.size}) does not extend this one: {exc}"))
    return result
