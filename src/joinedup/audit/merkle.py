"""Merkle trees as RFC 6962 and RFC 9162 define them: the audit log's tamper evidence.

A leaf is hashed with a 0x00 prefix and an interior node with 0x01, so that no leaf can
pass for a node. The root of a tree of any size, the inclusion proof of one leaf, the
consistency proof between two sizes of one tree, and their verification follow the
algorithms of RFC 9162 §2.1 (verification exactly as §2.1.3.2 and §2.1.4.2 state it).
The code is our own; the published test vectors of transparency-dev/merkle check it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """MTH of a one-leaf tree: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = _sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not prove what it claims; the message says why."""


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The root hash of the tree whose leaf hashes are ``leaves`` (any number, even none).

    Built level by level: pairing neighbours and lifting a lone last node unchanged gives
    the RFC's recursive split at the largest power of two."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        # node_hash inlined: a million leaves make a million nodes, and the call is a third of each.
        paired = [_sha256(b"\x01" + left + right).digest() for left, right in zip(level[::2], level[1::2])]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first.

    Enough to append a leaf and to give the root at every size, in O(log n) space, so the
    sequencer extends the tree without reading it back."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes, not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        size, node = self.size, leaf
        while size & 1:
            node = node_hash(self.nodes.pop(), node)
            size >>= 1
        self.nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        node = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            node = node_hash(left, node)
        return node


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]) of RFC 6962 §2.1.1: the sibling hashes from the leaf to the root."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf {index} is not in a tree of {len(leaves)}")
    low, high = 0, len(leaves)
    path: list[bytes] = []
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            path.append(root(leaves[low + k:high]))
            high = low + k
        else:
            path.append(root(leaves[low:low + k]))
            low += k
    return list(reversed(path))


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: that the tree of ``old_size`` leaves is a prefix
    of the tree of ``leaves``."""
    size = len(leaves)
    if not 0 < old_size <= size:
        raise ProofError(f"no consistency proof from size {old_size} to size {size}")
    path: list[bytes] = []
    low, high, m, complete = 0, size, old_size, True
    while True:
        if m == high - low:
            if not complete:
                path.append(root(leaves[low:high]))
            break
        k = _split(high - low)
        if m <= k:
            path.append(root(leaves[low + k:high]))
            high = low + k
        else:
            path.append(root(leaves[low:low + k]))
            low += k
            m -= k
            complete = False
    return list(reversed(path))


def _check_size(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"the {name} is {len(value)} bytes, not a {HASH_SIZE}-byte hash")


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise ProofError unless ``proof`` puts ``leaf`` at ``index`` in the
    tree of ``size`` leaves whose root is ``expected_root``."""
    _check_size("root", expected_root)
    _check_size("leaf hash", leaf)
    for position, node in enumerate(proof):
        _check_size(f"proof hash {position}", node)
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path to the root")
    if node != expected_root:
        raise ProofError("the proof leads to another root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless ``proof`` shows that the tree of
    ``old_size`` leaves with ``old_root`` is a prefix of the tree of ``new_size`` with
    ``new_root``. An empty old tree proves nothing and is refused."""
    if old_size == 0:
        raise ProofError("a consistency proof from an empty tree proves nothing")
    if new_size < old_size:
        raise ProofError(f"the new size {new_size} is smaller than the old size {old_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("trees of one size need an empty proof")
        if old_root != new_root:
            raise ProofError("two trees of one size have different roots")
        return
    _check_size("old root", old_root)
    _check_size("new root", new_root)
    for position, node in enumerate(proof):
        _check_size(f"proof hash {position}", node)
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path to the root")
    if fr != old_root:
        raise ProofError("the proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the proof does not lead to the new root")
