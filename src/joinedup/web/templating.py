"""The Jinja2 environment: autoescaped templates, UK date formats, cache-busted asset URLs."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from joinedup.accounts import ROLE_NAMES
from joinedup.sharing.catalogue import date_of_birth_in_words, facts_in_words

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
SERVICE_NAME = "JoinedUp"

try:
    LOCAL_TIME = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # pragma: no cover - a machine without a time zone database
    LOCAL_TIME = UTC


FIELD_LABELS = {
    "local_id": "Agency reference",
    "record_ref": "Record reference",
    "forename": "Forename",
    "middle_names": "Middle names",
    "surname": "Surname",
    "name": "Name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "address_text": "Address",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "upn": "Unique pupil number",
    "phone": "Phone",
    "email": "Email",
}


def field_label(name: str) -> str:
    """A field's name for people: 'NHS number' for ``nhs_number``, 'Cp status' for ``cp_status``."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def uk_date(value: date | str | None) -> str:
    """27 March 2007, the GOV.UK way."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: datetime | None) -> str:
    """27 March 2007 at 3:04pm, in UK time."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TIME)
    hour = local.hour % 12 or 12
    return f"{uk_date(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def fact(value: object) -> str:
    """A fact as recorded, in words: Yes or No, UK dates, grouped thousands."""
    if value is None or value == "":
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, str) and len(value) == 10:
        try:
            return uk_date(date.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, list):
        return ", ".join(fact(item) for item in value)
    return str(value)


def number(value: int | float | None) -> str:
    return "" if value is None else f"{value:,}"


@lru_cache(maxsize=64)
def static_url(path: str) -> str:
    """``/static/path?v=<content hash>``, so browsers never keep a stale stylesheet."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


@lru_cache(maxsize=1)
def make_environment() -> Environment:
    """The one Jinja environment of the process: every app shares it, so each template is
    compiled once (the templates are package files that do not change while it runs)."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters.update(
        uk_date=uk_date, uk_datetime=uk_datetime, number=number, field_label=field_label, fact=fact,
        facts_in_words=facts_in_words, date_of_birth=date_of_birth_in_words,
    )
    environment.globals.update(service_name=SERVICE_NAME, static_url=static_url, role_names=ROLE_NAMES)
    return environment
