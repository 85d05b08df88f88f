"""Signed checkpoints: the log's size and root hash, signed with the instance's Ed25519 key.

The text is a C2SP tlog-checkpoint in signed-note form, so that any signed-note tool can
read it::

    <origin>
    <size>
    <base64 root hash>

    — <key name> <base64(key id || Ed25519 signature)>

The key id is the first four bytes of SHA-256(name || LF || 0x01 || public key), and the
signature is over the note's text, every line above the blank one with its newline. The
private key is kept in the data directory (mode 0600, created on first use) in the
signed-note signer-key form; partners are given the verifier key,
``<name>+<key id hex>+<base64(0x01 || public key)>``, and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from joinedup.audit.merkle import HASH_SIZE
from joinedup.config import Settings

SIGNING_KEY_FILE = "audit-signing.key"
_ED25519 = b"\x01"
_DASH = "\u2014 "


class CheckpointError(ValueError):
    """A checkpoint, key or signature that cannot be trusted; the message says why."""


def _key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(char.isspace() for char in name) or "+" in name:
        raise CheckpointError(f"a key name has no spaces and no '+': {name!r}")
    return name


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures by one name: what a partner holds."""

    name: str
    key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return _key_id(self.name, _raw_public(self.key))

    def __str__(self) -> str:
        encoded = base64.b64encode(_ED25519 + _raw_public(self.key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Read a verifier key string, checking that its key id matches its key."""
        try:
            name, key_id, encoded = text.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise CheckpointError("a verifier key is <name>+<key id>+<base64 key>") from None
        if len(raw) != 33 or raw[:1] != _ED25519:
            raise CheckpointError("the verifier key is not an Ed25519 key")
        verifier = cls(_check_name(name), Ed25519PublicKey.from_public_bytes(raw[1:]))
        if verifier.key_id.hex() != key_id.lower():
            raise CheckpointError("the verifier key's id does not match its name and key")
        return verifier


@dataclass(frozen=True)
class Signer:
    """The instance's private key and the name it signs by (the log's origin)."""

    name: str
    key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key.public_key())

    def sign(self, text: str) -> str:
        """The signature line of ``text`` by this key."""
        signature = self.key.sign(text.encode())
        return f"{_DASH}{self.name} {base64.b64encode(self.verifier.key_id + signature).decode()}\n"


def instance_signer(settings: Settings) -> Signer:
    """This instance's signer: its key in the data directory, named by ``JOINEDUP_AUDIT_ORIGIN``
    (or the host's name) when first made."""
    return load_signer(settings.home / SIGNING_KEY_FILE, settings.audit_origin or f"{socket.gethostname()}/joinedup-audit")


def load_signer(path: Path, name: str) -> Signer:
    """The signing key at ``path``, created there (mode 0600) with ``name`` on first use,
    whole or not at all (written aside, then linked into place), so two processes starting
    at once share one key.

    An existing key keeps the name it was made with: the name is part of the key's identity."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return signer_from_key(path.read_text())
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = _raw_public(key.public_key())
    line = f"PRIVATE+KEY+{_check_name(name)}+{_key_id(name, public).hex()}+{base64.b64encode(_ED25519 + seed).decode()}\n"
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.unlink(missing_ok=True)
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(line)
    try:
        os.link(draft, path)
    except FileExistsError:
        return signer_from_key(path.read_text())
    finally:
        draft.unlink()
    return Signer(name, key)


def signer_from_key(text: str) -> Signer:
    """A signer from its signed-note signer key (PRIVATE+KEY+<name>+<id>+<base64 key>)."""
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise CheckpointError("the signing key file is not a signed-note signer key")
    raw = base64.b64decode(parts[4])
    if len(raw) != 33 or raw[:1] != _ED25519:
        raise CheckpointError("the signing key is not an Ed25519 key")
    return Signer(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))


@dataclass(frozen=True)
class Checkpoint:
    """What a signed checkpoint says: the log (origin), its size and its root hash."""

    origin: str
    size: int
    root: bytes
    note: str

    @property
    def body(self) -> str:
        return checkpoint_body(self.origin, self.size, self.root)


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(signer: Signer, size: int, root: bytes) -> Checkpoint:
    body = checkpoint_body(signer.name, size, root)
    return Checkpoint(signer.name, size, root, body + "\n" + signer.sign(body))


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Read a signed checkpoint, refusing it unless ``verifier`` signed it."""
    body, separator, signatures = note.partition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("a checkpoint is its text, a blank line, then signature lines")
    body += "\n"
    lines = body.splitlines()
    if len(lines) < 3:
        raise CheckpointError("a checkpoint has an origin, a size and a root hash")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"the checkpoint's size is not a number: {size_text!r}")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise CheckpointError("the checkpoint's root hash is not base64") from None
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"the checkpoint's root hash is {len(root)} bytes, not {HASH_SIZE}")
    if origin != verifier.name:
        raise CheckpointError(f"the checkpoint is of the log {origin!r}, the key is {verifier.name!r}'s")
    for line in signatures.splitlines():
        if not line.startswith(_DASH):
            raise CheckpointError(f"not a signature line: {line!r}")
        name, _, encoded = line[len(_DASH):].partition(" ")
        try:
            signed = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if name != verifier.name or signed[:4] != verifier.key_id:
            continue
        try:
            verifier.key.verify(signed[4:], body.encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature of {name} does not match the checkpoint") from None
        return Checkpoint(origin, int(size_text), root, note)
    raise CheckpointError(f"the checkpoint is not signed by {verifier.name}")
