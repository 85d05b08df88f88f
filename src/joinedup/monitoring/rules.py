"""The monitoring rules' thresholds: defaults here, changed in a TOML file the IG lead
keeps (``monitoring.toml`` in the data directory), so a change is reviewed like any
configuration and needs no release."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from joinedup.errors import Refusal

#: The file's name in the data directory.
RULES_FILE = "monitoring.toml"


class RulesRefused(Refusal):
    """A rules file that cannot be used: every problem, each naming its ``section.key``."""


@dataclass(frozen=True)
class UnrelatedViews:
    """More than ``people`` different people viewed in ``window_minutes`` by one user, none
    with an involvement of the user's organisation or a relationship the user stated."""

    enabled: bool = True
    people: int = 20
    window_minutes: int = 60


@dataclass(frozen=True)
class Refusals:
    """More than ``refusals`` refused acts by one user in ``window_minutes``."""

    enabled: bool = True
    refusals: int = 10
    window_minutes: int = 60


@dataclass(frozen=True)
class OutOfHours:
    """More than ``people`` different people viewed by one user outside working hours
    (``starts`` to ``ends`` on weekdays, in ``timezone``; weekends are out of hours when
    ``weekends`` is true), counted per local day."""

    enabled: bool = True
    people: int = 10
    starts: str = "08:00"
    ends: str = "18:00"
    weekends: bool = True
    timezone: str = "Europe/London"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours(self) -> tuple[time, time]:
        return time.fromisoformat(self.starts), time.fromisoformat(self.ends)


@dataclass(frozen=True)
class BreakGlassUse:
    """Every break-glass access raises a task."""

    enabled: bool = True


@dataclass(frozen=True)
class Household:
    """A user viewing someone who shares the surname and postcode they declared."""

    enabled: bool = True


@dataclass(frozen=True)
class MonitoringRules:
    unrelated_views: UnrelatedViews = field(default_factory=UnrelatedViews)
    refusals: Refusals = field(default_factory=Refusals)
    out_of_hours: OutOfHours = field(default_factory=OutOfHours)
    break_glass: BreakGlassUse = field(default_factory=BreakGlassUse)
    household: Household = field(default_factory=Household)


def _checked(section: str, value, problems: list[tuple[str, str]]):
    """A section's values, each checked against its default's type and range."""
    for item in fields(value):
        name = f"{section}.{item.name}"
        got = getattr(value, item.name)
        default = item.default
        if isinstance(default, bool):
            if not isinstance(got, bool):
                problems.append((name, "Write true or false."))
        elif isinstance(default, int):
            if isinstance(got, bool) or not isinstance(got, int) or got < 1:
                problems.append((name, "Write a whole number, 1 or more."))
            elif item.name == "window_minutes" and got > 7 * 24 * 60:
                problems.append((name, "A window is a week (10080 minutes) or shorter."))
        elif item.name in ("starts", "ends"):
            try:
                time.fromisoformat(got)
            except (TypeError, ValueError):
                problems.append((name, "Write a time of day like 08:00."))
        elif item.name == "timezone":
            try:
                ZoneInfo(str(got))
            except (ZoneInfoNotFoundError, ValueError):
                problems.append((name, "Write a time zone like Europe/London."))
    if isinstance(value, OutOfHours) and not any(name.startswith(f"{section}.") for name, _ in problems):
        starts, ends = value.hours
        if ends <= starts:
            problems.append((f"{section}.ends", "Working hours end after they start."))


def rules_from(data: dict) -> MonitoringRules:
    """The rules a parsed TOML document sets, over the defaults; :class:`RulesRefused`
    names every unknown section or key and every value out of range."""
    rules = MonitoringRules()
    problems: list[tuple[str, str]] = []
    changed = {}
    for section, values in data.items():
        if section not in {item.name for item in fields(rules)}:
            problems.append((section, "Not a monitoring rule: use " + ", ".join(item.name for item in fields(rules))
                             + "."))
            continue
        default = getattr(rules, section)
        if not isinstance(values, dict):
            problems.append((section, "A rule is a [section] of keys."))
            continue
        known = {item.name for item in fields(default)}
        unknown = sorted(set(values) - known)
        problems.extend((f"{section}.{key}", f"Not a setting of {section}.") for key in unknown)
        value = replace(default, **{key: got for key, got in values.items() if key in known})
        _checked(section, value, problems)
        changed[section] = value
    if problems:
        raise RulesRefused(problems)
    return replace(rules, **changed)


def load_rules(path: Path) -> MonitoringRules:
    """The rules in ``path``, or the defaults when there is no such file."""
    if not path.exists():
        return MonitoringRules()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesRefused(f"{path.name} is not TOML: {exc}", "file") from exc
    return rules_from(data)


def rules_path(home: Path) -> Path:
    return Path(home) / RULES_FILE
