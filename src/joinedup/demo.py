"""The demo place: a synthetic town, every agency's extract loaded, and people to sign in as.

``joinedup demo`` (and so ``make demo``) builds the place, loads every extract, loads
the place's gazetteer (:func:`load_place_gazetteer`) and matches the addresses. It is
idempotent: a second run reuses the synthetic place and the sign-in details it made the
first time, and a gazetteer reload and an incremental match find nothing new to do.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.accounts import create_user, find_user
from joinedup.config import Settings
from joinedup.db import transaction
from joinedup.partners.models import Organisation

#: The council, which hosts the hub and employs its IG lead and data team.
COUNCIL = {"code": "LA", "name": "Joinford Borough Council", "type": "local_authority"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    source: str | None  # the extract whose owning organisation employs them; None: the council
    team: str
    job_title: str
    roles: tuple[str, ...]
    #: The directory role whose worker they are (:func:`tie_demo_users`); None: none fits.
    works_as: str | None = None


DEMO_USERS = (
    DemoUser("sam.social", "Sam Okafor", "csc", "Children in Need Team 2", "Social worker", ("practitioner",),
             "allocated_social_worker"),
    DemoUser("dana.dsl", "Dana Whitfield", "education", "Safeguarding", "Designated safeguarding lead", ("practitioner",),
             "designated_safeguarding_lead"),
    DemoUser("gita.gp", "Dr Gita Rao", "gp", "Riverside Surgery", "GP", ("practitioner",)),
    DemoUser("pat.police", "PC Pat Lowe", "police", "Safeguarding Hub", "Police officer", ("practitioner",)),
    DemoUser("harry.housing", "Harry Bennett", "housing", "Tenancy Sustainment", "Housing officer", ("practitioner",),
             "housing_officer"),
    DemoUser("wendy.work", "Wendy Clarke", "dwp", "Jobcentre Plus Central", "Work coach", ("practitioner",), "work_coach"),
    DemoUser("val.voluntary", "Val Mensah", "voluntary", "Family Support", "Key worker", ("practitioner",),
             "voluntary_key_worker"),
    DemoUser("mo.mash", "Mo Hussain", "csc", "MASH", "MASH triage officer", ("mash_officer", "practitioner")),
    DemoUser("tara.trainer", "Tara Brooks", "csc", "Workforce Development", "Safeguarding trainer", ("trainer",)),
    DemoUser("iris.ig", "Iris Grant", None, "Information Governance", "Information governance lead", ("ig_lead",)),
    DemoUser("dev.data", "Dev Patel", None, "Data and Insight", "Data analyst", ("data_team", "admin")),
)

CREDENTIALS_FILE = "demo-credentials.json"


@dataclass(frozen=True)
class DemoResult:
    place: Path
    password: str
    users: tuple[DemoUser, ...]
    loads: tuple  # the IngestLoad of each extract


def demo_password(settings: Settings) -> str:
    """The demo's shared password: random per data directory, kept there with mode 0600."""
    path = settings.home / CREDENTIALS_FILE
    if path.exists():
        return json.loads(path.read_text())["password"]
    password = "-".join(secrets.token_urlsafe(4) for _ in range(3))
    settings.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"password": password}, handle)
    return password


def build_place(settings: Settings, people: int, seed: int, progress: Callable[[int, int], None] | None) -> Path:
    """Generate the synthetic place under the data directory, unless this size and seed exist."""
    from joinedup.synth import generate_place

    place = settings.home / "place" / f"people-{people}-seed-{seed}"
    if not (place / "manifest.json").exists():
        generate_place(place, people=people, seed=seed, progress=progress)
    return place


def load_place(
    engine: Engine,
    place: Path,
    progress: Callable[[str, int, int], None] | None = None,
) -> list:
    """Ingest every extract the place's manifest lists, through its mapping.

    An extract the manifest says is empty is not loaded (a small place may have nobody
    referred to the voluntary sector, and ingest fails a file with no rows), but its
    source system and organisation are registered, so that their demo users exist.
    """
    from joinedup.ingest import ingest_file, load_mapping, register_source_system

    manifest = json.loads((place / "manifest.json").read_text())
    loads = []
    for extract in manifest["extracts"]:
        mapping = load_mapping(extract["mapping"])
        if extract.get("rows") == 0:
            register_source_system(engine, mapping, registered_by="demo")
            continue
        report = None if progress is None else (lambda done, total, code=extract["source"]: progress(code, done, total))
        loads.append(ingest_file(engine, mapping, place / extract["file"], loaded_by="demo", progress=report))
    return loads


def load_place_gazetteer(
    engine: Engine,
    place: Path,
    progress: Callable[[int, int], None] | None = None,
):
    """Load (or reload, applying changes) the place's gazetteer through the ``llpg`` mapping."""
    from joinedup.gazetteer import load_gazetteer

    manifest = json.loads((place / "manifest.json").read_text())
    return load_gazetteer(engine, place / manifest["gazetteer"]["file"], mapping="llpg", loaded_by="demo",
                          progress=progress)


def ensure_demo_users(engine: Engine, password: str) -> tuple[DemoUser, ...]:
    """Create the council and the demo users (once); their organisations come from the mappings."""
    from joinedup.ingest import load_mapping

    with transaction(engine) as session:
        council = session.scalar(select(Organisation).where(Organisation.code == COUNCIL["code"]))
        if council is None:
            council = Organisation(**COUNCIL)
            session.add(council)
            session.flush()
        for user in DEMO_USERS:
            if find_user(session, user.username):
                continue
            if user.source is None:
                organisation = council
            else:
                code = load_mapping(user.source).organisation
                organisation = session.scalar(select(Organisation).where(Organisation.code == code))
            create_user(
                session,
                username=user.username,
                password=password,
                display_name=user.display_name,
                organisation=organisation,
                team=user.team,
                job_title=user.job_title,
                roles=user.roles,
                email=f"{user.username}@example.org",
                phone="01632 960" + f"{DEMO_USERS.index(user):03d}",
            )
    return DEMO_USERS


def ensure_demo_sharing(engine: Engine) -> None:
    """The starting purposes and categories, the demo's three active agreements, and three
    persons known to several agencies set aside for training (once)."""
    from sqlalchemy import select

    from joinedup.audit import Actor
    from joinedup.people.models import Person
    from joinedup.sharing.catalogue import ensure_demo_agreements
    from joinedup.sharing.training import set_training_sample, training_samples

    with transaction(engine) as session:
        ensure_demo_agreements(session, Actor.system("cli", "demo"),
                               ig_leads=[user.username for user in DEMO_USERS if "ig_lead" in user.roles])
        if not training_samples(session):
            governor = Actor(username="demo", roles=frozenset({"admin"}), channel="cli")
            known = session.scalars(select(Person).where(Person.retired_at.is_(None), Person.record_count >= 4)
                                    .order_by(Person.person_id).limit(3))
            for person in known:
                set_training_sample(session, governor, person, sample=True,
                                    note="Synthetic: known to several agencies, so each partner sees something different.")


def load_place_involvements(engine: Engine, place: Path) -> list:
    """Load each agency's directory of staff from the place, then read every loaded
    extract's involvements through its mapping's ``[involvements]`` section. Needs the
    sharing catalogue (a directory names sensitive categories): after
    :func:`ensure_demo_sharing`. Returns each source's :class:`IndexReport`."""
    from joinedup.audit import Actor
    from joinedup.ingest import load_mapping
    from joinedup.involvements import index_involvements, load_directory
    from joinedup.partners.models import SourceSystem

    manifest = json.loads((place / "manifest.json").read_text())
    actor = Actor.system("cli", "demo")
    with transaction(engine) as session:
        known = set(session.scalars(select(Organisation.code)))
        for organisation, path in sorted(manifest.get("directories", {}).items()):
            if organisation in known:
                load_directory(session, actor, organisation, (place / path).read_text(encoding="utf-8"))
    reports = []
    for extract in manifest["extracts"]:
        mapping = load_mapping(extract["mapping"])
        with transaction(engine) as session:
            if mapping.involvements is None or session.scalar(
                    select(SourceSystem.id).where(SourceSystem.code == mapping.code)) is None:
                continue
            reports.append(index_involvements(session, actor, mapping))
    return reports


def load_place_flags(engine: Engine, place: Path) -> list:
    """Read every loaded extract's flags through its mapping's ``[flags]`` section, after
    the directories are loaded (a flag's contact is a team of its organisation's):
    after :func:`load_place_involvements`. Returns each source's report."""
    from joinedup.audit import Actor
    from joinedup.flags import index_flags
    from joinedup.ingest import load_mapping
    from joinedup.partners.models import SourceSystem

    manifest = json.loads((place / "manifest.json").read_text())
    actor = Actor.system("cli", "demo")
    reports = []
    for extract in manifest["extracts"]:
        mapping = load_mapping(extract["mapping"])
        with transaction(engine) as session:
            if not mapping.flags or session.scalar(
                    select(SourceSystem.id).where(SourceSystem.code == mapping.code)) is None:
                continue
            reports.append(index_flags(session, actor, mapping))
    return reports


def tie_demo_users(engine: Engine, users: tuple[DemoUser, ...] = DEMO_USERS) -> tuple[DemoUser, ...]:
    """Make each demo practitioner one of their organisation's directory workers in their
    role: the active worker of a team that is not a sensitive service with the most
    current involvements (the one they already are, if still so). The user takes the
    worker's secure e-mail (how "my people" knows them), name and team, so that the home
    page lists the people that worker works with and the person page names the user.
    After :func:`load_place_involvements`. Returns the users as they now are: a user no
    worker fits (no directory for their organisation, no worker in their role, a GP
    practice reached through its reception) is left as created."""
    from joinedup.accounts import find_user
    from joinedup.involvements import Involvement, Team, Worker

    tied = []
    with transaction(engine) as session:
        for demo in users:
            account = find_user(session, demo.username)
            if demo.works_as is None or account is None:
                tied.append(demo)
                continue
            involvements = func.count(Involvement.id)
            worker = session.scalar(
                select(Worker).join(Team, Team.id == Worker.team_id)
                .join(Involvement, Involvement.worker_id == Worker.id)
                .where(Worker.organisation_id == account.organisation_id, Worker.role == demo.works_as,
                       Worker.active.is_(True), Team.sensitive_category.is_(None), Involvement.status == "current")
                .group_by(Worker.id)
                .order_by((Worker.secure_email == (account.email or "")).desc(), involvements.desc(), Worker.id)
                .limit(1))
            if worker is None:
                tied.append(demo)
                continue
            account.email, account.display_name, account.team = worker.secure_email, worker.name, worker.team.name
            tied.append(replace(demo, display_name=worker.name, team=worker.team.name))
    return tuple(tied)
