"""Settings, read once from ``JOINEDUP_*`` environment variables.

Everything the product needs to know about where it runs comes from here, so that a
test or a deployment changes behaviour by setting variables, never by editing code.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRET_KEY_FILE = "secret.key"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    session_timeout_minutes: int = 30
    #: A session ends this long after sign-in, whatever its activity.
    session_lifetime_hours: int = 12
    secure_cookies: bool = False
    #: Failures of one username from one address before its attempts must wait.
    sign_in_max_failures: int = 5
    #: The first wait, in minutes; each further failure doubles it (up to a day).
    sign_in_delay_minutes: int = 1
    #: Failures from one address, whatever the usernames, in 15 minutes before it must wait.
    sign_in_address_max_failures: int = 100
    #: The reverse proxies (addresses or networks) whose X-Forwarded-For and
    #: X-Forwarded-Proto are believed; from anyone else they are ignored.
    trusted_proxies: tuple[str, ...] = ()
    #: Working days a break-glass access may wait for review before it is escalated.
    break_glass_review_days: int = 5
    #: The audit log's name in its signed checkpoints (a schema-less URL, such as
    #: ``hub.example.gov.uk/audit``), taken when the signing key is made; empty: the host's name.
    audit_origin: str = ""
    #: Years the audit log's entries are kept before the retention job withholds them
    #: (their rows go, their leaves stay: docs/retention.md).
    audit_retention_years: int = 8

    @property
    def secret_key_path(self) -> Path:
        return self.home / SECRET_KEY_FILE

    def secret_key(self) -> bytes:
        """The instance's secret key, generated on first use with mode 0600.

        It lives in the data directory, never in the repository.
        """
        return ensure_secret_key(self.secret_key_path)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _networks(value: str | None, name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (CIDR), each checked."""
    networks = []
    for item in (value or "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError as exc:
            raise ValueError(f"{name}: {item.strip()!r} is not an IP address or network.") from exc
    return tuple(networks)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("JOINEDUP_HOME", "./joinedup-data")).expanduser().resolve()
    database_url = env.get("JOINEDUP_DATABASE_URL") or f"sqlite:///{home / 'joinedup.db'}"
    return Settings(
        home=home,
        database_url=database_url,
        session_timeout_minutes=int(env.get("JOINEDUP_SESSION_TIMEOUT_MINUTES", "30")),
        session_lifetime_hours=int(env.get("JOINEDUP_SESSION_LIFETIME_HOURS", "12")),
        secure_cookies=_flag(env.get("JOINEDUP_SECURE_COOKIES"), False),
        sign_in_max_failures=int(env.get("JOINEDUP_SIGN_IN_MAX_FAILURES", "5")),
        sign_in_delay_minutes=int(env.get("JOINEDUP_SIGN_IN_DELAY_MINUTES", "1")),
        sign_in_address_max_failures=int(env.get("JOINEDUP_SIGN_IN_ADDRESS_MAX_FAILURES", "100")),
        trusted_proxies=_networks(env.get("JOINEDUP_TRUSTED_PROXIES"), "JOINEDUP_TRUSTED_PROXIES"),
        break_glass_review_days=int(env.get("JOINEDUP_BREAK_GLASS_REVIEW_DAYS", "5")),
        audit_origin=env.get("JOINEDUP_AUDIT_ORIGIN", "").strip(),
        audit_retention_years=int(env.get("JOINEDUP_AUDIT_RETENTION_YEARS", "8")),
    )


def ensure_secret_key(path: Path) -> bytes:
    """Read the key at ``path``, creating it (0600, 32 random bytes, hex) if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
