"""The tamper-evident log's checkpoints, receipts and consistency proofs.

:func:`make_checkpoint` sequences what has committed and signs the tree, in one
transaction under the sequencer's lock; checkpoints are kept in ``audit_checkpoints`` and
handed to partners as text. A receipt (:func:`make_receipt`) is a checkpoint, an entry's
position, the entry itself and its inclusion proof; :func:`check_receipt` and
:func:`check_consistency` need nothing but the verifier key and the texts, so a person or
a partner can check them without access to JoinedUp.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from joinedup.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    Signer,
    Verifier,
    open_checkpoint,
    sign_checkpoint,
)
from joinedup.audit.entries import EntryReader, logged_table
from joinedup.audit.merkle import (
    Frontier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from joinedup.audit.models import AuditCheckpoint, AuditLogLeaf
from joinedup.audit.sequencer import TreeState, sequence, sequence_step
from joinedup.db import transaction, utcnow

RECEIPT_FORMAT = "joinedup-audit-receipt/v1"
_CHECKPOINTS = AuditCheckpoint.__table__
_LEAVES = AuditLogLeaf.__table__


class LogError(LookupError):
    """What the log cannot give: an entry not yet sequenced or checkpointed, an unknown size."""


@dataclass(frozen=True)
class StoredCheckpoint:
    checkpoint: Checkpoint
    created_at: datetime
    new: bool = False


def make_checkpoint(engine: Engine, signer: Signer) -> StoredCheckpoint:
    """Sequence every committed entry, then sign the tree and keep the checkpoint.

    The last batch and the signature share one transaction under the sequencer's lock, so
    the checkpoint covers exactly what is sequenced. When nothing has been added since the
    latest checkpoint, that one is returned rather than another of the same size."""
    sequence(engine)
    with transaction(engine) as session:
        _count, state = sequence_step(session)
        connection = session.connection()
        latest = connection.execute(select(_CHECKPOINTS.c.note, _CHECKPOINTS.c.frontier, _CHECKPOINTS.c.created_at)
                                    .order_by(_CHECKPOINTS.c.size.desc(), _CHECKPOINTS.c.id.desc()).limit(1)).first()
        previous = open_checkpoint(latest.note, signer.verifier) if latest else None
        frontier = _extension(connection, previous, latest.frontier if latest else [], state)
        if previous is not None and previous.size == state.size:
            return StoredCheckpoint(previous, latest.created_at)
        checkpoint = sign_checkpoint(signer, state.size, state.root)
        created_at = utcnow()
        session.execute(insert(_CHECKPOINTS).values(
            size=checkpoint.size, root_hash=checkpoint.root.hex(), note=checkpoint.note, created_at=created_at,
            frontier=[node.hex() for node in frontier.nodes]))
    return StoredCheckpoint(checkpoint, created_at, new=True)


def _extension(connection: Connection, previous: Checkpoint | None, nodes: list[str], state: TreeState) -> Frontier:
    """The right edge of the sequenced tree, built from the latest checkpoint's (checked
    against its signed root) and the stored leaves since: a tree that does not extend the
    latest signed one is refused, so the log is never forked, whatever was done to its state."""
    frontier = Frontier(previous.size, [bytes.fromhex(node) for node in nodes]) if previous else Frontier()
    if previous is not None and (frontier.root() != previous.root or state.size < previous.size):
        raise LogError("the latest checkpoint's stored tree edge does not match its signed root; "
                       "run joinedup audit verify")
    count = frontier.size
    for value in connection.execute(select(_LEAVES.c.leaf_hash).where(
            _LEAVES.c.log_index >= frontier.size, _LEAVES.c.log_index < state.size)
            .order_by(_LEAVES.c.log_index)).scalars():
        frontier.append(bytes(value))
    if frontier.size != state.size or frontier.root() != state.root:
        raise LogError(f"the sequenced tree (from position {count}) does not extend the latest checkpoint; "
                       "run joinedup audit verify")
    return frontier


def stored_checkpoints(connection: Connection, verifier: Verifier) -> list[StoredCheckpoint]:
    """Every kept checkpoint, oldest first, each refused (CheckpointError) unless signed by ``verifier``."""
    kept = []
    for row in connection.execute(select(_CHECKPOINTS.c.id, _CHECKPOINTS.c.note, _CHECKPOINTS.c.created_at)
                                  .order_by(_CHECKPOINTS.c.size, _CHECKPOINTS.c.id)):
        try:
            kept.append(StoredCheckpoint(open_checkpoint(row.note, verifier), row.created_at))
        except CheckpointError as exc:
            raise CheckpointError(f"the checkpoint kept as number {row.id} (made {row.created_at:%Y-%m-%d %H:%M} UTC)"
                                  f" cannot be trusted: {exc}") from None
    return kept


def latest_checkpoint(connection: Connection, verifier: Verifier) -> StoredCheckpoint | None:
    row = connection.execute(select(_CHECKPOINTS.c.note, _CHECKPOINTS.c.created_at)
                             .order_by(_CHECKPOINTS.c.size.desc(), _CHECKPOINTS.c.id.desc()).limit(1)).first()
    return StoredCheckpoint(open_checkpoint(row.note, verifier), row.created_at) if row else None


def leaf_hashes(connection: Connection, size: int) -> list[bytes]:
    """The stored leaf hashes of positions 0 to size - 1, refusing a gap."""
    hashes = [bytes(value) for value in connection.execute(
        select(_LEAVES.c.leaf_hash).where(_LEAVES.c.log_index < size).order_by(_LEAVES.c.log_index)).scalars()]
    if len(hashes) != size:
        raise LogError(f"the log holds {len(hashes)} of the first {size} leaves; run joinedup audit verify")
    return hashes


def find_entry(connection: Connection, entry: str) -> tuple[str, int, int]:
    """An entry named as ``<table>:<id>`` (``audit_events:42``) or by its position (``#17``):
    its table, row id and position in the log."""
    if entry.startswith("#") and entry[1:].isdigit():
        row = connection.execute(select(_LEAVES.c.source, _LEAVES.c.row_id)
                                 .where(_LEAVES.c.log_index == int(entry[1:]))).first()
        if row is None:
            raise LogError(f"no entry at position {entry[1:]} of the log")
        return row.source, row.row_id, int(entry[1:])
    source, _, row_id = entry.partition(":")
    if not row_id.isdigit():
        raise LogError(f"name an entry as <table>:<id> (audit_events:42) or #<position>, not {entry!r}")
    table = logged_table(source).table
    row = connection.execute(select(table.c.log_index).where(table.c.id == int(row_id))).first()
    if row is None:
        raise LogError(f"there is no entry {entry}")
    if row.log_index is None:
        raise LogError(f"{entry} is not sequenced yet: the next checkpoint will cover it")
    return source, int(row_id), row.log_index


def _entry_text(connection: Connection, source: str, row_id: int) -> bytes:
    logged = logged_table(source)
    reader = EntryReader(logged, connection.dialect)
    [row] = reader.rows(connection, logged.table.c.id == row_id)
    return reader.encode(row_id, row[2:])


def make_receipt(connection: Connection, verifier: Verifier, entry: str) -> str:
    """A receipt for one entry, as JSON text: the latest checkpoint, the entry's position,
    the entry as encoded, and the inclusion proof that puts it under the checkpoint."""
    source, row_id, index = find_entry(connection, entry)
    stored = latest_checkpoint(connection, verifier)
    if stored is None or stored.checkpoint.size <= index:
        raise LogError(f"{entry} is not covered by a checkpoint yet: run joinedup audit checkpoint")
    checkpoint = stored.checkpoint
    hashes = leaf_hashes(connection, checkpoint.size)
    text = _entry_text(connection, source, row_id)
    if leaf_hash(text) != hashes[index]:
        raise LogError(f"{entry} has changed since it was sequenced: run joinedup audit verify")
    proof = inclusion_proof(index, hashes)
    verify_inclusion(index, checkpoint.size, hashes[index], proof, checkpoint.root)
    return json.dumps({
        "format": RECEIPT_FORMAT,
        "checkpoint": checkpoint.note,
        "index": index,
        "entry": text.decode("utf-8"),
        "proof": [base64.b64encode(node).decode() for node in proof],
    }, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class CheckedReceipt:
    checkpoint: Checkpoint
    index: int
    entry: dict


def check_receipt(text: str, verifier: Verifier) -> CheckedReceipt:
    """Check a receipt with nothing but the verifier key: the checkpoint's signature, then
    that the entry, hashed, sits at its position under the checkpoint's root."""
    try:
        receipt = json.loads(text)
        if receipt.get("format") != RECEIPT_FORMAT:
            raise ProofError(f"not a {RECEIPT_FORMAT} receipt")
        checkpoint = open_checkpoint(receipt["checkpoint"], verifier)
        entry = receipt["entry"].encode("utf-8")
        proof = [base64.b64decode(node, validate=True) for node in receipt["proof"]]
        index = receipt["index"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, (CheckpointError, ProofError)):
            raise
        raise ProofError(f"the receipt cannot be read: {exc}") from None
    verify_inclusion(index, checkpoint.size, leaf_hash(entry), proof, checkpoint.root)
    head, _, document = entry.partition(b"\n")
    return CheckedReceipt(checkpoint, index, {"encoding": head.decode(), **json.loads(document)})


def prove_consistency(connection: Connection, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` entries to that of ``new_size``."""
    if not 0 < old_size <= new_size:
        raise LogError(f"a consistency proof runs from a smaller, non-empty size to a larger: {old_size} to {new_size}")
    return consistency_proof(old_size, leaf_hashes(connection, new_size))


def consistency_text(old: Checkpoint, new: Checkpoint, proof: list[bytes]) -> str:
    return json.dumps({"old_size": old.size, "new_size": new.size,
                       "proof": [base64.b64encode(node).decode() for node in proof]}, indent=2) + "\n"


def check_consistency(old_note: str, new_note: str, proof_text: str, verifier: Verifier) -> tuple[Checkpoint, Checkpoint]:
    """Check, with nothing but the verifier key, that the log of the new checkpoint
    extends that of the old one: both signatures, then the consistency proof."""
    old, new = open_checkpoint(old_note, verifier), open_checkpoint(new_note, verifier)
    try:
        document = json.loads(proof_text)
        proof = [base64.b64decode(node, validate=True) for node in document["proof"]]
        sizes = (document["old_size"], document["new_size"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProofError(f"the consistency proof cannot be read: {exc}") from None
    if sizes != (old.size, new.size):
        raise ProofError(f"the proof is from size {sizes[0]} to {sizes[1]}, "
                         f"the checkpoints are of sizes {old.size} and {new.size}")
    verify_consistency(old.size, new.size, old.root, new.root, proof)
    return old, new
