"""The roles, and the catalogue of every act JoinedUp records: one name per act.

Each :class:`Action` is one act the audit trail records, under its :attr:`~Action.name`.
An act that only some roles may do says which (:attr:`~Action.roles`) and what a refused
user is told (:attr:`~Action.refusal`): :func:`joinedup.accounts.permissions.gate` checks
and audits it, and a web route declares it with one dependency
(``joinedup.web.gates.require``). The audit trail refuses a name that is not here
(:func:`joinedup.audit.record_event`), so the catalogue (docs/actions.md, checked against
this module by a test) is complete by construction.

This module sits below everything else and imports nothing of JoinedUp's.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Roles a user can hold.
ROLES = ("practitioner", "mash_officer", "ig_lead", "data_team", "programme_manager", "trainer", "admin")
#: The roles that work with persons: they read their own organisation's records, state
#: purposes to see partners', start break-glass and record consent.
FRONTLINE_ROLES = ("practitioner", "mash_officer")
#: The roles that run the index and the address data (processing, never a fact).
PROCESSING_ROLES = ("data_team", "admin")
#: The roles that govern sharing: agreements, the decision log, break-glass review.
GOVERNANCE_ROLES = ("ig_lead", "admin")
#: Roles that may never be given a purpose to read persons' records, as the documents
#: promise: the data team never sees a fact, an administrator runs the service, an IG lead
#: governs sharing, and a trainer sees training samples only (through "view as").
NON_READING_ROLES = ("ig_lead", "data_team", "trainer", "admin")


@dataclass(frozen=True)
class Action:
    """One act the audit trail records. ``roles``: who may do it, when only some roles may
    (None: any signed-in user, or an act of the system); ``refusal``: what anyone else is
    told; ``subject_type``: what its events are about."""

    name: str
    description: str
    subject_type: str = ""
    roles: frozenset[str] | None = None
    refusal: str = ""

    def permits(self, roles) -> bool:
        return self.roles is None or bool(self.roles & set(roles))


ACTIONS: dict[str, Action] = {}


def _act(name: str, description: str, subject_type: str = "", roles=None, refusal: str = "") -> Action:
    if name in ACTIONS:
        raise ValueError(f"the action {name} is named twice")
    found = Action(name, description, subject_type, frozenset(roles) if roles is not None else None, refusal)
    ACTIONS[name] = found
    return found


def action_named(name: str) -> Action:
    """The registered action of this name (``KeyError`` for a name not in the catalogue)."""
    return ACTIONS[name]


# --------------------------------------------------------------------------- sign-in and accounts

SIGN_IN = _act("sign_in", "A sign-in attempt, with its outcome (and, when refused, the wait).", "user")
SIGN_OUT = _act("sign_out", "A session ended: signed out, idle too long, or past its lifetime.", "web_session")
CSRF_REFUSED = _act("csrf.refused", "A signed-in user's form or API write refused: it did not carry the session's "
                    "CSRF token (a forged or stale request). The path is the subject.", "request")
ACCOUNT_ROLES = _act("account.roles", "A user's roles changed by an administrator: before and after, with why (what "
                     "\"who has seen my record\" reads to give each access the role held then).", "user", ("admin",),
                     "Changing a user's roles is for administrators.")
ACCOUNT_UNLOCK = _act("account.unlock", "An administrator lifted an account's sign-in waits.", "user", ("admin",),
                      "Unlocking an account is for administrators.")

# --------------------------------------------------------------------------- reading persons' records
# The acts the policy point decides, one event per request (joinedup.sharing.decide_record_access).

RECORD_VIEW = _act("record.view", "Records read for a page or the API (one event per request, counting those decided).",
                   "source_record")
RECORD_SEARCH = _act("record.search", "Records considered for a search's results (one event per search).",
                     "source_record")
PERSON_REVIEW = _act("person.review", "A record read to keep the person index: identifying fields only.",
                     "source_record")
PERSON_EXPORT = _act("person.export", "A record read for an export of links or persons.", "source_record")
HOUSEHOLD_VIEW = _act("household.view", "A record read for the household at a property.", "source_record")
ADDRESS_REVIEW = _act("address.review", "A record read to review its address: address fields only.",
                      "source_record")
ADDRESS_REPORT = _act("address.report", "A record read for the address data-quality report.", "source_record")
ADDRESS_EXPORT = _act("address.export", "A record read for the addresses export.", "source_record")
SHARING_PREVIEW = _act("sharing.preview", "A person previewed as a partner would see them ('view as').", "person",
                       ("ig_lead", "admin", "trainer"),
                       "Seeing a person as a partner would is for information governance leads and trainers.")
SEARCH = _act("search", "A search, with the kinds of criteria typed (never their values) and how many results were shown.", "persons")
PERSON_VIEW = _act("person.view", "A person's page or API answer, allowed or refused.", "person")

# --------------------------------------------------------------------------- loading and matching data

INGEST_LOAD = _act("ingest.load", "An agency's extract loaded (or refused), with its counts.", "ingest_load")
INGEST_REGISTER = _act("ingest.register", "A source registered without a load (an empty extract).",
                       "source_system")
INGEST_REPORT_VIEW = _act("ingest.report.view", "The ingest reports opened.", "ingest_loads", ("data_team", "admin"),
                          "Ingest reports are for the data team and administrators.")
GAZETTEER_LOAD = _act("gazetteer.load", "The gazetteer (LLPG) loaded.", "gazetteer_load")
ADDRESS_MATCH = _act("address.match", "A run matching addresses to UPRNs.", "match_run")
ADDRESS_REVIEW_VIEW = _act(
    "address.review.view", "The address review list or one address in it opened.", "address_matches",
    PROCESSING_ROLES, "Address review and the address data-quality report are for the data team and administrators.")
ADDRESS_DECIDE = _act(
    "address.decide", "A reviewer's decision on an address: accepted, another UPRN chosen, out of area, unmatchable.",
    "address_match", PROCESSING_ROLES,
    "Address review and the address data-quality report are for the data team and administrators.")
ADDRESS_REPORT_VIEW = _act(
    "address.report.view", "The address data-quality report opened.", "address_report", PROCESSING_ROLES,
    "Address review and the address data-quality report are for the data team and administrators.")
ADDRESS_REPORT_EXPORT = _act(
    "address.report.export", "The address data-quality report downloaded.", "address_report", PROCESSING_ROLES,
    "Address review and the address data-quality report are for the data team and administrators.")

# --------------------------------------------------------------------------- the person index

_LINKAGE_DENIED = "Link runs, the review queue and the linkage model are for the data team and administrators."
LINKAGE_RUN = _act("linkage.run", "A link run: records linked into persons.", "link_run")
LINKAGE_VIEW = _act("linkage.view", "The linkage pages opened.", "linkage", PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_RUNS_VIEW = _act("linkage.runs.view", "A link run's report opened.", "link_run", PROCESSING_ROLES,
                         _LINKAGE_DENIED)
LINKAGE_REVIEW_VIEW = _act("linkage.review.view", "The clerical review queue opened.", "link_pairs",
                           PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_PAIR_VIEW = _act("linkage.pair.view", "A pair of records opened, with why they scored as they did.",
                         "link_pair", PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_PAIR_DECIDE = _act("linkage.pair.decide", "A reviewer's decision on a pair: the same person or not.",
                           "link_pair", PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_PERSON_VIEW = _act("linkage.person.view", "A person opened for the index's review.", "person",
                           PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_PERSON_MERGE = _act("linkage.person.merge", "Another person merged into a person.", "person",
                            PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_PERSON_SPLIT = _act("linkage.person.split", "A record split out of a person.", "person", PROCESSING_ROLES,
                            _LINKAGE_DENIED)
LINKAGE_MODEL_VIEW = _act("linkage.model.view", "The linkage model and its versions opened.", "link_model",
                          PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_MODEL_TRAIN = _act("linkage.model.train", "A linkage model trained.", "link_model")
LINKAGE_MODEL_ADOPT = _act("linkage.model.adopt", "A linkage model version adopted for later runs.", "link_model",
                           PROCESSING_ROLES, _LINKAGE_DENIED)
LINKAGE_THRESHOLDS_CHANGE = _act("linkage.thresholds.change", "The link and review thresholds changed.",
                                 "link_settings", PROCESSING_ROLES, _LINKAGE_DENIED)

# --------------------------------------------------------------------------- governed sharing: the IG lead's

_GOVERN_DENIED = ("Sharing agreements, the decision log and break-glass review are for information governance leads "
                  "and administrators.")


def _govern(name: str, description: str, subject_type: str) -> Action:
    return _act(name, description, subject_type, GOVERNANCE_ROLES, _GOVERN_DENIED)


SHARING_VIEW = _govern("sharing.view", "The sharing overview opened.", "sharing")
SHARING_PURPOSES_VIEW = _govern("sharing.purposes.view", "The purposes opened.", "purposes")
SHARING_PURPOSE_SAVE = _govern("sharing.purpose.save", "A purpose added or changed, with who may state it.",
                               "purpose")
SHARING_CATEGORIES_VIEW = _govern("sharing.categories.view", "The data categories opened.", "data_categories")
SHARING_CATEGORY_SAVE = _govern("sharing.category.save", "A data category added or changed.", "data_category")
SHARING_AGREEMENTS_VIEW = _govern("sharing.agreements.view", "The agreements, or one of them, opened.",
                                  "agreements")
SHARING_AGREEMENT_CREATE = _govern("sharing.agreement.create", "An agreement drafted.", "agreement_version")
SHARING_AGREEMENT_UPDATE = _govern("sharing.agreement.update", "A draft's terms changed.", "agreement_version")
SHARING_AGREEMENT_VERSION = _govern("sharing.agreement.version", "A new version of an agreement drafted.",
                                    "agreement_version")
SHARING_AGREEMENT_SIGN = _govern("sharing.agreement.sign", "A party's signatory recorded.", "agreement_version")
SHARING_AGREEMENT_STATUS = _govern("sharing.agreement.status",
                                   "A version made active, suspended or ended (with the reason).", "agreement_version")
SHARING_LOG_VIEW = _govern("sharing.log.view", "The decision log searched.", "sharing_decisions")
SHARING_LOG_EXPORT = _govern("sharing.log.export", "The decision log downloaded.", "sharing_decisions")
SHARING_CONSENT_VIEW = _govern("sharing.consent.view", "The consent register searched.", "consent_records")
SHARING_BREAK_GLASS_VIEW = _govern("sharing.break_glass.view", "The break-glass review queue, or an access, opened.",
                                   "break_glass")
SHARING_BREAK_GLASS_REVIEW = _govern("sharing.break_glass.review", "A reviewer's decision on a break-glass access.",
                                     "break_glass")
SHARING_MAP_VIEW = _govern("sharing.map.view", "The data-flow map opened.", "sharing")
SHARING_TRAINING_SAMPLE_SAVE = _govern("sharing.training_sample.save",
                                       "A person set aside for training, or no longer.", "person")
SHARING_BREAK_GLASS_ESCALATE = _act("sharing.break_glass.escalate",
                                    "A break-glass review not done in time, escalated to the administrators.",
                                    "break_glass")

# --------------------------------------------------------------------------- governed sharing: the practitioner's

_FRONTLINE_DENIED = ("Emergency access, consent and decisions not to share are recorded by practitioners "
                     "and MASH officers.")


def _frontline(name: str, description: str) -> Action:
    return _act(name, description, "person", FRONTLINE_ROLES, _FRONTLINE_DENIED)


SHARING_PURPOSE_STATE = _act("sharing.purpose.state", "A purpose stated for a person (or refused).", "person")
SHARING_PURPOSE_CLEAR = _act("sharing.purpose.clear", "A stated purpose no longer used for a person.", "person")
SHARING_CONTEXT_START = _act("sharing.context.start",
                             "A working context started: a purpose stated on a search, carried to whom it found.",
                             "working_context")
SHARING_CONTEXT_END = _act("sharing.context.end", "A working context ended by the user.", "working_context")
SHARING_BREAK_GLASS_FORM = _frontline("sharing.break_glass.form", "The break-glass form opened.")
SHARING_BREAK_GLASS_START = _frontline("sharing.break_glass.start", "An emergency (break-glass) access started.")
SHARING_CONSENT_FORM = _frontline("sharing.consent.form", "The consent page opened.")
SHARING_CONSENT_HISTORY = _frontline("sharing.consent.history", "A person's consent history read.")
SHARING_CONSENT_RECORD = _frontline("sharing.consent.record", "A consent, refusal or withdrawal recorded.")
SHARING_DECLINE_FORM = _frontline("sharing.decline.form", "The form for a decision not to share opened.")
SHARING_DECLINE = _frontline("sharing.decline", "A practitioner's decision not to share, with the reason.")

# --------------------------------------------------------------------------- who is involved

_INVOLVED_DENIED = "Involvements are recorded, ended and corrected by practitioners and MASH officers."
INVOLVEMENT_VIEW = _act("involvement.view", "Involvements read for who is involved (one event per request, "
                        "naming each involvement shown and withheld).", "involvement")
INVOLVEMENT_LIST = _act("involvement.list", "A person's involvements asked for through the API (the gate: the "
                        "involvements shown and withheld are then one involvement.view).", "person", FRONTLINE_ROLES,
                        "Who is involved is read through the API by practitioners and MASH officers.")
INVOLVEMENT_FORM = _act("involvement.form", "The form to record, end or correct an involvement opened.", "person",
                        FRONTLINE_ROLES, _INVOLVED_DENIED)
INVOLVEMENT_RECORD = _act("involvement.record", "An involvement recorded for a person in the app.", "involvement",
                          FRONTLINE_ROLES, _INVOLVED_DENIED)
INVOLVEMENT_END = _act("involvement.end", "An involvement ended, with the date it ended.", "involvement",
                       FRONTLINE_ROLES, _INVOLVED_DENIED)
INVOLVEMENT_CORRECT = _act("involvement.correct", "An involvement corrected: what changed, from what to what.",
                           "involvement", FRONTLINE_ROLES, _INVOLVED_DENIED)
INVOLVEMENT_INDEX = _act("involvement.index", "Involvements read from a source's extract rows, with the rows refused.",
                         "source_system")
HOME_VIEW = _act("home.view", "A practitioner's home page or their people through the API: whom it listed and how "
                 "many flags had changed since their previous look (which this event dates).", "user", FRONTLINE_ROLES,
                 "Your people are listed for practitioners and MASH officers.")
_TEAM_DENIED = "The lead professional and the team around the family are kept by practitioners and MASH officers."
TEAM_VIEW = _act("team.view", "The lead professional and the team around a person's family read, with how many "
                 "involvements and invited members it showed.", "person", FRONTLINE_ROLES, _TEAM_DENIED)
LEAD_NAME = _act("lead.name", "A lead professional named for a person or a family (the previous one ended), with "
                 "why.", "lead_professional", FRONTLINE_ROLES, _TEAM_DENIED)
TEAM_INVITE = _act("team.invite", "A worker invited into the team around a family, with why.", "team_member",
                   FRONTLINE_ROLES, _TEAM_DENIED)
TEAM_REMOVE = _act("team.remove", "An invited member removed from the team around a family, with why.",
                   "team_member", FRONTLINE_ROLES, _TEAM_DENIED)
DIRECTORY_LOAD = _act("directory.load", "An organisation's directory (teams, workers, contacts) loaded from a file.",
                      "organisation", ("admin",), "An organisation's directory is kept by its administrators.")
LEAD_END = _act("lead.end", "A lead professional ended with no successor named, with why.", "lead_professional",
               FRONTLINE_ROLES, _TEAM_DENIED)
_DIRECTORY_DENIED = "An organisation's directory is kept by its administrators."
DIRECTORY_VIEW = _act("directory.view", "The organisation's own directory listed through the API: to its "
                      "administrators to keep it, to its practitioners and MASH officers to name a team or worker.",
                      "organisation", ("admin", *FRONTLINE_ROLES),
                      "An organisation's directory is listed for its administrators, practitioners and MASH officers.")
DIRECTORY_FORM = _act("directory.form", "A form to add, correct or retire a team or worker of the directory opened.",
                      "organisation", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_TEAM_ADD = _act("directory.team.add", "A team added to the organisation's directory (or brought back), "
                          "with its fields.", "directory_team", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_TEAM_CORRECT = _act("directory.team.correct", "A team of the directory corrected: what changed, from what "
                              "to what.", "directory_team", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_TEAM_RETIRE = _act("directory.team.retire", "A team of the directory retired: kept for what names it, no "
                             "longer offered.", "directory_team", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_WORKER_ADD = _act("directory.worker.add", "A worker added to the organisation's directory (or brought "
                            "back), with their fields.", "directory_worker", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_WORKER_CORRECT = _act("directory.worker.correct", "A worker of the directory corrected: what changed, from "
                                "what to what.", "directory_worker", ("admin",), _DIRECTORY_DENIED)
DIRECTORY_WORKER_RETIRE = _act("directory.worker.retire", "A worker of the directory retired: kept for what names "
                               "them, no longer offered.", "directory_worker", ("admin",), _DIRECTORY_DENIED)

# --------------------------------------------------------------------------- retention

RETENTION_RUN = _act("retention.run", "The retention job: what it deleted and withheld (or, in a dry run, would).",
                     "retention")
RETENTION_ERASE = _act("retention.erase", "A source record deleted at the end of its agreement's retention period "
                       "(its id and the agreement, never its content).", "source_record")
AUDIT_WITHHOLD = _act("audit.withhold", "The log's entries dated before a day withheld at the end of the log's "
                      "retention: their rows deleted, their leaves kept, so the tree is unchanged.", "audit_log")
# --------------------------------------------------------------------------- the chronology

_CHRONOLOGY_DENIED = "Chronologies are for practitioners and MASH officers."
CHRONOLOGY_VIEW = _act("chronology.view", "A person's or family's chronology read, with its filters and how many "
                       "events it showed.", "person", FRONTLINE_ROLES, _CHRONOLOGY_DENIED)
CHRONOLOGY_EXPORT = _act("chronology.export", "A chronology downloaded as CSV or PDF, with its filters and how many "
                         "events it held.", "person", FRONTLINE_ROLES, _CHRONOLOGY_DENIED)
# --------------------------------------------------------------------------- transparency for the person
# What a person is entitled to know (docs/transparency.md): who has seen their record, and
# a copy of everything held about them. Both name persons and staff, so they are the
# information governance lead's, who handles such requests (as the data protection
# officer's deputy); an administrator runs the service and reads no person.

TRANSPARENCY_ROLES = ("ig_lead",)
_TRANSPARENCY_DENIED = ("Who has seen a person's record, and subject access requests, are for information "
                        "governance leads.")


def _transparency(name: str, description: str, subject_type: str) -> Action:
    return _act(name, description, subject_type, TRANSPARENCY_ROLES, _TRANSPARENCY_DENIED)


TRANSPARENCY_REPORT_VIEW = _transparency("transparency.report.view",
                                         "A person's 'who has seen my record' report opened (page, API or PDF).",
                                         "person")
TRANSPARENCY_NAMES_REVEAL = _transparency("transparency.names.reveal",
                                          "Staff names shown on a person's access report, with the reason.", "person")
TRANSPARENCY_RECEIPT = _transparency(
    "transparency.receipt", "A receipt made for one entry of a person's report: the entry, its place and the proof "
    "that the signed log holds it.", "person")
TRANSPARENCY_HOLD_RECORD = _transparency(
    "transparency.hold.record", "Entries about a person held back from their report until a date (a covert case), "
    "with who asked and why.", "person")
SUBJECT_ACCESS_VIEW = _transparency("subject_access.view", "The subject access requests listed, or one opened.",
                                    "subject_access_request")
SUBJECT_ACCESS_RECORD = _transparency("subject_access.record", "A subject access request recorded as received.",
                                      "subject_access_request")
SUBJECT_ACCESS_STATUS = _transparency(
    "subject_access.status", "A subject access request started, done, refused (with the reason) or extended.",
    "subject_access_request")
SUBJECT_ACCESS_DOWNLOAD = _transparency("subject_access.download",
                                        "A subject access export downloaded (a zip of JSON and a PDF report).",
                                        "subject_access_request")
SUBJECT_ACCESS_EXPORT = _act("subject_access.export", "A record read for a subject access export: every field, "
                             "for the person it is about (one event per request decided).", "source_record")
# --------------------------------------------------------------------------- monitoring that raises reviews

_MONITOR_DENIED = "Monitoring and its review tasks are for information governance leads and administrators."
MONITORING_RUN = _act("monitoring.run", "A monitoring run: the audit log read on, review tasks raised.", "monitoring",
                      GOVERNANCE_ROLES, _MONITOR_DENIED)
MONITORING_VIEW = _act("monitoring.view", "The monitoring review tasks, a task, or their summary opened.",
                       "monitoring_task", GOVERNANCE_ROLES, _MONITOR_DENIED)
MONITORING_DECIDE = _act("monitoring.decide", "A reviewer's outcome for a monitoring task, with a note.",
                         "monitoring_task", GOVERNANCE_ROLES, _MONITOR_DENIED)
MONITORING_DECLARE = _act("monitoring.declare", "A member of staff's own surname and postcode recorded by an "
                          "administrator (from the command line).", "user",
                          ("admin",), "Staff declarations are recorded by administrators.")
# A member of staff declares, reads and withdraws their own: any signed-in user.
MONITORING_DECLARATION_VIEW = _act("monitoring.declaration.view", "A user's own staff declaration opened.", "user")
MONITORING_DECLARATION_SAVE = _act("monitoring.declaration.save", "A user's own surname and home postcode declared by "
                                   "themselves (replacing any before; the values are not logged).", "user")
MONITORING_DECLARATION_WITHDRAW = _act("monitoring.declaration.withdraw", "A user's own staff declaration withdrawn: "
                                       "the household rule no longer checks them.", "user")
MONITORING_DECLARATIONS_VIEW = _act("monitoring.declarations.view", "The staff declarations of the organisations a "
                                    "reviewer reviews for listed, with those withdrawn.", "staff_declarations",
                                    GOVERNANCE_ROLES, "Staff declarations are listed for information governance "
                                    "leads and administrators.")
# --------------------------------------------------------------------------- flags

FLAG_VIEW = _act("flag.view", "Flags shown on a person's page, in search results or through the API (one event per "
                 "read, naming the flags shown and counting those withheld).", "person", FRONTLINE_ROLES,
                 "Flags are shown to practitioners and MASH officers.")
FLAG_INDEX = _act("flag.index", "Flags read from a source's extract rows, with the rows refused.", "source_system")
_FLAGGED_DENIED = "Flags are recorded, corrected and ended by practitioners and MASH officers."
FLAG_FORM = _act("flag.form", "The form to record, correct or end a flag opened.", "person", FRONTLINE_ROLES,
                 _FLAGGED_DENIED)
FLAG_RECORD = _act("flag.record", "A flag recorded for a person in the app.", "flag", FRONTLINE_ROLES, _FLAGGED_DENIED)
FLAG_CORRECT = _act("flag.correct", "A flag recorded in the app corrected, with each field changed, before and after.",
                    "flag", FRONTLINE_ROLES, _FLAGGED_DENIED)
FLAG_END = _act("flag.end", "A flag recorded in the app ended, with the date it ended.", "flag", FRONTLINE_ROLES,
                _FLAGGED_DENIED)
