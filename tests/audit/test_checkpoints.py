"""Signed checkpoints in the signed-note form, checked against the Go reference's example
(golang.org/x/mod/sumdb/note, whose documentation signs this text with this key)."""

from __future__ import annotations

import stat

import pytest

from joinedup.audit.checkpoints import (
    CheckpointError,
    Verifier,
    load_signer,
    open_checkpoint,
    sign_checkpoint,
    signer_from_key,
)
from joinedup.audit.merkle import EMPTY_ROOT, leaf_hash

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"


def test_keys_and_signatures_match_the_go_reference():
    signer = signer_from_key(GO_SIGNER)
    assert str(signer.verifier) == GO_VERIFIER
    assert str(Verifier.parse(GO_VERIFIER)) == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_SIGNATURE


def test_the_key_is_made_once_private_and_keeps_its_name(tmp_path):
    path = tmp_path / "home" / "audit-signing.key"
    signer = load_signer(path, "hub.example.org/audit")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_signer(path, "another.name/audit")
    assert (again.name, str(again.verifier)) == ("hub.example.org/audit", str(signer.verifier))
    assert list(path.parent.iterdir()) == [path]


def test_a_checkpoint_opens_only_unchanged_and_with_its_own_key(tmp_path):
    signer = load_signer(tmp_path / "k", "hub.example.org/audit")
    root = leaf_hash(b"entry")
    checkpoint = sign_checkpoint(signer, 1, root)
    assert open_checkpoint(checkpoint.note, signer.verifier) == checkpoint
    for changed in (checkpoint.note.replace("\n1\n", "\n2\n"),
                    checkpoint.note.replace(checkpoint.note.split("\n")[2], sign_checkpoint(signer, 1, EMPTY_ROOT)
                                            .note.split("\n")[2])):
        with pytest.raises(CheckpointError, match="does not match"):
            open_checkpoint(changed, signer.verifier)
    stranger = load_signer(tmp_path / "other", "hub.example.org/audit")
    with pytest.raises(CheckpointError, match="not signed by"):
        open_checkpoint(checkpoint.note, stranger.verifier)
    with pytest.raises(CheckpointError):
        open_checkpoint(checkpoint.note.replace("\n\n", "\n"), signer.verifier)


def test_a_bad_verifier_key_is_refused():
    with pytest.raises(CheckpointError, match="id does not match"):
        Verifier.parse(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(CheckpointError):
        Verifier.parse("no key here")
