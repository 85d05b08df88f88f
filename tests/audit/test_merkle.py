"""The Merkle tree against the published vectors of transparency-dev/merkle (copied, with
their licence and origin note, under vectors/) and against properties over any tree."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "testdata"


def _cases(kind: str) -> list:
    return [pytest.param(path, id=str(path.relative_to(VECTORS / kind)))
            for path in sorted((VECTORS / kind).rglob("*.json"))]


def _b64(value) -> bytes:
    return base64.b64decode(value or "")


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vectors(path):
    case = json.loads(path.read_text())
    proof = [_b64(node) for node in case["proof"] or []]
    arguments = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*arguments)
    else:
        verify_inclusion(*arguments)


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vectors(path):
    case = json.loads(path.read_text())
    proof = [_b64(node) for node in case["proof"] or []]
    arguments = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*arguments)
    else:
        verify_consistency(*arguments)


def test_every_happy_path_is_there_and_every_mutation_is_meant_to_fail():
    """The copied vectors are the whole set (196 cases): the ten happy paths and two other
    valid edge cases want success, the 184 mutations an error."""
    cases = [json.loads(path.read_text()) | {"name": path.name} for path in VECTORS.rglob("*.json")]
    assert len(cases) == 196
    assert sum(case["name"] == "happy-path.json" and not case["wantErr"] for case in cases) == 10
    assert sum(case["wantErr"] for case in cases) == 184


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 §2.1 writes it, recursively: the oracle for ``root``."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_rfc6962_hashes_of_known_inputs():
    """The RFC 6962 empty-tree and empty-leaf hashes that the vectors are built on."""
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()


def test_the_vectors_tree_of_eight_is_rebuilt():
    """The vectors' eight-leaf tree (RFC 6962's test leaves) has the root they publish."""
    inputs = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
              b"\x50\x51\x52\x53\x54\x55\x56\x57", b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
    happy = json.loads((VECTORS / "inclusion" / "1" / "happy-path.json").read_text())
    assert root([leaf_hash(data) for data in inputs]) == _b64(happy["root"])


leaves_strategy = st.lists(st.binary(max_size=40), min_size=1, max_size=70, unique=True).map(
    lambda items: [leaf_hash(item) for item in items])


@settings(max_examples=150, deadline=None)
@given(leaves=leaves_strategy)
def test_root_and_frontier_agree_with_the_rfc_at_every_size(leaves):
    frontier = Frontier()
    for size, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == root(leaves[:size]) == _reference_root(leaves[:size])
    assert Frontier(frontier.size, frontier.nodes).root() == root(leaves)


@settings(max_examples=150, deadline=None)
@given(leaves=leaves_strategy, data=st.data())
def test_any_inclusion_proof_verifies_and_any_single_bit_change_is_rejected(leaves, data):
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = inclusion_proof(index, leaves)
    tree_root = root(leaves)
    verify_inclusion(index, len(leaves), leaves[index], proof, tree_root)
    parts = [leaves[index], tree_root, *proof]
    part = data.draw(st.integers(0, len(parts) - 1))
    bit = data.draw(st.integers(0, 8 * 32 - 1))
    flipped = bytearray(parts[part])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[part] = bytes(flipped)
    with pytest.raises(ProofError):
        verify_inclusion(index, len(leaves), parts[0], parts[2:], parts[1])
    other = data.draw(st.integers(0, len(leaves) - 1).filter(lambda value: value != index)) if len(leaves) > 1 else None
    if other is not None:
        with pytest.raises(ProofError):
            verify_inclusion(other, len(leaves), leaves[index], proof, tree_root)


@settings(max_examples=150, deadline=None)
@given(leaves=leaves_strategy, data=st.data())
def test_any_consistency_proof_verifies_and_any_single_bit_change_is_rejected(leaves, data):
    old_size = data.draw(st.integers(1, len(leaves)))
    proof = consistency_proof(old_size, leaves)
    old_root, new_root = root(leaves[:old_size]), root(leaves)
    verify_consistency(old_size, len(leaves), old_root, new_root, proof)
    parts = [old_root, new_root, *proof]
    part = data.draw(st.integers(0, len(parts) - 1))
    bit = data.draw(st.integers(0, 8 * 32 - 1))
    flipped = bytearray(parts[part])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[part] = bytes(flipped)
    with pytest.raises(ProofError):
        verify_consistency(old_size, len(leaves), parts[0], parts[1], parts[2:])


@settings(max_examples=100, deadline=None)
@given(leaves=leaves_strategy, data=st.data())
def test_a_changed_leaf_is_not_consistent_with_the_old_tree(leaves, data):
    """Rewriting history: change one leaf of the old tree and no proof from the new tree
    reaches the old root."""
    old_size = data.draw(st.integers(1, len(leaves)))
    position = data.draw(st.integers(0, old_size - 1))
    old_root = root(leaves[:old_size])
    rewritten = list(leaves)
    rewritten[position] = leaf_hash(b"forged" + leaves[position])
    with pytest.raises(ProofError):
        verify_consistency(old_size, len(rewritten), old_root, root(rewritten), consistency_proof(old_size, rewritten))


def test_proofs_refuse_positions_outside_the_tree():
    leaves = [leaf_hash(bytes([n])) for n in range(5)]
    with pytest.raises(ProofError):
        inclusion_proof(5, leaves)
    with pytest.raises(ProofError):
        consistency_proof(0, leaves)
    with pytest.raises(ProofError):
        consistency_proof(6, leaves)
    with pytest.raises(ValueError, match="frontier"):
        Frontier(5, [leaves[0]])
