"""Password hashing with argon2id, so that a stolen user table does not give away passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: RFC 9106's low-memory profile (argon2id, 64 MiB, 3 passes): argon2-cffi's default.
HASHER = PasswordHasher()

#: Shorter passwords are refused when an account is created.
MIN_PASSWORD_LENGTH = 10

_unknown_user_hash: str | None = None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed stored hash never matches."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown username takes as long as a known one.

    Without this, response times would tell a guesser which usernames exist.
    """
    global _unknown_user_hash
    if _unknown_user_hash is None:
        _unknown_user_hash = HASHER.hash("an account that does not exist")
    verify_password(_unknown_user_hash, password)
