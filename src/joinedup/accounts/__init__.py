"""The people who sign in: accounts, password checks, sessions.

Passwords are stored as argon2id hashes. A session's cookie carries a random token and
the database its SHA-256. Failed sign-ins slow further attempts for the same username
from the same client address, and, far less readily, from the address whatever the
username; every attempt is audited.
"""

from joinedup.accounts.models import ROLES, SignInAttempt, User, WebSession
from joinedup.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from joinedup.accounts.permissions import ROLE_NAMES, gate
from joinedup.accounts.sessions import (
    SessionState,
    SignedInUser,
    end_session,
    open_session,
    resume_session,
)
from joinedup.accounts.signin import Authentication, SignInLimits, UnlockRefused, authenticate, unlock_account
from joinedup.accounts.users import RolesHeld, change_roles, create_user, find_user, roles_held

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "ROLE_NAMES",
    "Authentication",
    "RolesHeld",
    "SessionState",
    "SignInAttempt",
    "SignInLimits",
    "SignedInUser",
    "UnlockRefused",
    "User",
    "WebSession",
    "authenticate",
    "change_roles",
    "create_user",
    "end_session",
    "find_user",
    "gate",
    "hash_password",
    "open_session",
    "resume_session",
    "roles_held",
    "unlock_account",
    "verify_password",
]
