"""Clustering scored pairs into persons, under people's decisions, and keeping ids.

:func:`cluster` joins records strongest pair first (union-find), refusing any merge
that would put a pair a person rejected into one person, directly or through others,
or two different valid NHS numbers (or NI numbers, or UPNs) into one person; each
refusal keeps its reason for the review queue. :func:`assign_ids` gives each cluster a
public person id, keeping the old ones that fit.
"""

from __future__ import annotations

import itertools
import math
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from joinedup.people.linkage_model import (
    compared_sex,
    keyed_with_a_slip,
    known_by_a_middle_name,
    one_slip_apart,
    twin_names,
)
from joinedup.people.linkage_model import name as normalised_name

#: Dates of birth this many years apart or more are a generation's (see Groups.a_generation_apart).
GENERATION_YEARS = 12
#: The identifiers that name one person: two different valid values never join.
STRONG_IDENTIFIERS = ("nhs_number", "ni_number", "upn")
IDENTIFIER_NAMES = {"nhs_number": "NHS number", "ni_number": "NI number", "upn": "unique pupil number"}
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def pair_key(one: int, other: int) -> tuple[int, int]:
    """A pair of record ids, lower first: how refusals and held pairs are keyed."""
    return (min(one, other), max(one, other))


def new_person_id() -> str:
    """A public person id: ``P`` and ten random base-32 characters (50 bits)."""
    bits = secrets.randbits(50)
    return "P" + "".join(_ID_ALPHABET[(bits >> shift) & 31] for shift in range(45, -5, -5))


def strong_identifiers(record: dict[str, Any]) -> dict[str, str]:
    """The record's valid strong identifiers (those ingest did not flag), by name."""
    return {
        name: record[name] for name in STRONG_IDENTIFIERS
        if record.get(name) and name not in record.get("invalid", ())
    }


def telling_forename(record: dict[str, Any]) -> str | None:
    """The record's forename, normalised, when it tells one person from another: an
    initial agrees with every forename it starts, so it is none."""
    forename = normalised_name(record.get("forename"))
    return forename if forename and len(forename.replace(" ", "")) > 1 else None


def identity_keys(record: dict[str, Any]) -> set[tuple[str, str]]:
    """What names the record's one person: its valid strong identifiers and its values of
    unique ``[identifiers]`` schemes, as (name, value). Records sharing one
    (:func:`share_an_identifier`) are not twins, nor a father and son, whatever their
    forenames and dates say."""
    return {*strong_identifiers(record).items(),
            *((scheme, held["value"]) for scheme, held in (record.get("identifiers") or {}).items()
              if held.get("unique") and held.get("value"))}


def share_an_identifier(keys: set[tuple[str, str]], others: set[tuple[str, str]], *, slips: bool = False) -> bool:
    """Whether two records' (or groups') :func:`identity_keys` name one person: a value in
    common or, with ``slips``, of one kind a value keyed with a slip of the other's
    (:func:`~joinedup.people.linkage_model.keyed_with_a_slip`). Slips count only against
    reading a pair as twins, as the model's twins level reads them: twins are registered
    together and given numbers their last digit apart, but siblings and parents are
    registered at other times, and numbers issued apart may be a digit apart anywhere (a
    newcomer's trial: two sisters held CP2005167 and CP2005367). An NHS number or UPN has
    a check character: two valid ones are never a slip apart."""
    if keys & others:
        return True
    return slips and any(name == other_name and name not in CHECKED_IDENTIFIERS and keyed_with_a_slip(value, other)
                         for name, value in keys for other_name, other in others)


def shared_identifiers(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """The identifiers two records have in common, in words: valid strong identifiers
    and identifiers of any ``[identifiers]`` scheme."""
    shared = sorted(IDENTIFIER_NAMES[name] for name, value in strong_identifiers(left).items()
                    if strong_identifiers(right).get(name) == value)
    theirs = right.get("identifiers") or {}
    for scheme, held in sorted((left.get("identifiers") or {}).items()):
        if scheme in theirs and theirs[scheme].get("value") == held.get("value"):
            shared.append(scheme.replace("_", " "))
    return shared


@dataclass
class Clusters:
    """The result of :func:`cluster`: a cluster label per record, and what was refused."""

    labels: dict[int, int]
    probability: dict[int, float]
    pairs_linked: int = 0
    refused: int = 0
    #: (left, right) → why their merge was refused.
    refusals: dict[tuple[int, int], str] = field(default_factory=dict)
    #: (left, right) → why a pair at or above the threshold was left for a reviewer
    #: rather than linked (:func:`_torn_records`): the review queue says so.
    held: dict[tuple[int, int], str] = field(default_factory=dict)


class Groups:
    """Union-find whose merges are refused when they would join a rejected pair or two
    different valid strong identifiers of one kind. ``anchors`` (record id → anchor)
    marks records of existing persons: two groups holding different anchors never merge
    (incremental linking attaches new records; only a full run joins two persons)."""

    def __init__(self, records: dict[int, dict[str, Any]], rejected: dict[int, set[int]],
                 anchors: dict[int, Any] | None = None) -> None:
        self.parent = {record_id: record_id for record_id in records}
        self.identifiers: dict[int, dict[str, set[str]]] = {}
        #: group root → the identifiers its records hold: strong ones, and unique schemes'.
        self.keys: dict[int, set[tuple[str, str]]] = {}
        for record_id, record in records.items():
            found = strong_identifiers(record)
            if found:
                self.identifiers[record_id] = {name: {value} for name, value in found.items()}
            held = identity_keys(record)
            if held:
                self.keys[record_id] = held
        #: record id → the unique ``[identifiers]`` schemes it holds a value of (none: not kept).
        self.schemes: dict[int, set[str]] = {}
        for record_id, keys in self.keys.items():
            schemes = {name for name, _ in keys if name not in STRONG_IDENTIFIERS}
            if schemes:
                self.schemes[record_id] = schemes
        self.members_rejecting: dict[int, set[int]] = {rid: {rid} for rid in rejected if rid in self.parent}
        self.forbidden: dict[int, set[int]] = {rid: set(others) for rid, others in rejected.items() if rid in self.parent}
        #: group root → date of birth → the names (:func:`_names`) of its records with that date.
        self.births: dict[int, dict[Any, set[_Names]]] = {}
        for record_id, record in records.items():
            # An initial must not vouch for a join.
            if telling_forename(record) and record.get("date_of_birth"):
                self.births[record_id] = {record["date_of_birth"]: {_names(record, record_id)}}
        #: group root → the dates of birth its records hold.
        self.dates: dict[int, set[Any]] = {record_id: {record["date_of_birth"]}
                                           for record_id, record in records.items() if record.get("date_of_birth")}
        #: Pairs scored at or above the threshold: their own evidence already weighed
        #: different forenames (see :meth:`twins`).
        self.linked: set[tuple[int, int]] = set()
        self.anchor: dict[int, Any] = {}
        for record_id, anchor in (anchors or {}).items():
            if record_id in self.parent:
                self.anchor[record_id] = anchor

    def find(self, item: int) -> int:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def conflict(self, a: int, b: int) -> str | None:
        """Why the groups rooted at ``a`` and ``b`` may not be one person, or None."""
        if (self.forbidden.get(a, set()) & self.members_rejecting.get(b, set())
                or self.forbidden.get(b, set()) & self.members_rejecting.get(a, set())):
            return "A reviewer decided that records in these two groups are different people."
        anchor_a, anchor_b = self.anchor.get(a), self.anchor.get(b)
        if anchor_a is not None and anchor_b is not None and anchor_a != anchor_b:
            return "It would join two existing persons: only a full link run, or a reviewer's merge, does that."
        ids_a, ids_b = self.identifiers.get(a), self.identifiers.get(b)
        if ids_a and ids_b:
            for name, values in ids_a.items():
                other = ids_b.get(name)
                if other and different_identifiers(name, values, other):
                    return f"Linking them would put two different {IDENTIFIER_NAMES[name]}s in one person."
        return None

    def twins(self, a: int, b: int) -> str | None:
        """Why the groups rooted at ``a`` and ``b`` look like two people born the same day
        (twins, or siblings recorded with one date): at a date of birth both hold, every
        record of one is named as another person than every record of the other (forenames
        that clearly differ, names swapped aside, or two forenames of a male and a female:
        :func:`twin_names`), one such pair was not itself scored as a match, and the groups share no
        strong or unique identifier. It stops a record with no forename joining twins
        through itself. One pair whose forenames agree is enough to join, so a person
        holding a stray forename at that date (a replaced name that joined on an
        identifier) still takes a record spelling their own forename with a typo.
        Checked for scored pairs only; a reviewer may accept."""
        births_a, births_b = self.births.get(a), self.births.get(b)
        if not births_a or not births_b or share_an_identifier(self.keys.get(a, set()), self.keys.get(b, set()),
                                                               slips=True):
            return None  # twins never share an NHS number or a unique identifier
        for born, names in births_a.items():
            others = births_b.get(born)
            if others and self._all_differ(names, others):
                return TWINS
        return None

    def _all_differ(self, names: set[_Names], others: set[_Names]) -> bool:
        """Whether every record of ``names`` is named as another person than every one of
        ``others`` (:func:`twin_names`), and one such pair of records was not itself scored
        as a match."""
        unscored = False
        for forename, surname, sex, one_id in names:
            for other_forename, other_surname, other_sex, other_id in others:
                if not twin_names(forename, other_forename, surname, other_surname, sex, other_sex):
                    return False
                unscored = unscored or pair_key(one_id, other_id) not in self.linked
        return unscored

    def unweighed(self, a: int, b: int, left: int, right: int) -> str | None:
        """Why the pair (``left``, ``right``) may not join the groups rooted at ``a`` and
        ``b``: the groups hold different values of a scheme unique per person (none in
        common, none keyed with a slip of another: :func:`share_an_identifier`) and the
        pair's records do not both hold that scheme, so no score weighed the
        disagreement. A newcomer's trial chained a mother and daughter of one forename
        (CP2005963 and CP2005964) into one person through a GP record with no council
        reference. A pair whose records both hold the scheme was weighed on it, and may
        still join."""
        keys_a, keys_b = self.keys.get(a), self.keys.get(b)
        if not self.schemes or not keys_a or not keys_b:
            return None  # no record holds a unique scheme (most places): nothing to weigh
        weighed = self.schemes.get(left, set()) & self.schemes.get(right, set())
        for scheme in {name for name, _ in keys_a if name not in STRONG_IDENTIFIERS} - weighed:
            ours = {key for key in keys_a if key[0] == scheme}
            theirs = {key for key in keys_b if key[0] == scheme}
            if theirs and not share_an_identifier(ours, theirs, slips=True):
                return UNWEIGHED.format(scheme=scheme.replace("_", " "))
        return None

    def years_apart(self, a: int, b: int) -> str | None:
        """Why the groups rooted at ``a`` and ``b`` look like two people of one name born
        years apart (a father and son of one forename): see :meth:`_dates_apart`. Checked
        for pairs of which one record has no date of birth, which say nothing of dates and
        could join the two through themselves."""
        if self._dates_apart(a, b, 0):
            return ("Linking them would put two clearly different dates of birth in one person, through a record "
                    "with none (a parent and child of one name?).")
        return None

    def a_generation_apart(self, a: int, b: int) -> str | None:
        """Why the groups rooted at ``a`` and ``b`` look like a parent and child: their
        dates of birth are :data:`GENERATION_YEARS` or more apart (see :meth:`_dates_apart`).
        A third newcomer's extract linked 25 such pairs of one name and address at 0.99:
        the model, which learns from pairs that include wholly wrong dates, weighs a date
        decades out at only a few bits. Checked for every scored pair; refused, the pair
        goes to a reviewer."""
        if self._dates_apart(a, b, GENERATION_YEARS):
            return ("Linking them would put two people born a generation apart in one person "
                    "(a parent and child of one name?).")
        return None

    def _dates_apart(self, a: int, b: int, near_years: int) -> bool:
        """Whether both groups hold dates of birth, share no strong or unique identifier,
        and no date of one is a date of the other, a slip of it ("1958" typed "1985"), it
        with day and month swapped, or fewer than ``near_years`` years from it."""
        dates_a, dates_b = self.dates.get(a), self.dates.get(b)
        if (not dates_a or not dates_b or dates_a & dates_b
                or share_an_identifier(self.keys.get(a, set()), self.keys.get(b, set()))):
            return False  # one date in both (most merges): checked first, it costs least
        return _born_apart(dates_a, dates_b, near_years)

    def union(self, a: int, b: int, scored: bool = False, dateless: bool = False,
              weighed: bool = False) -> bool | str:
        """Merge the groups of ``a`` and ``b``: True merged, False already one, else why
        not. A ``scored`` pair whose forenames say little (see :func:`cluster`) may not
        join twins; a ``dateless`` one (a record with no date of birth) may not join two
        people born years apart; no ``weighed`` pair (any scored pair) may join people
        born a generation apart."""
        left, right = a, b
        a, b = self.find(a), self.find(b)
        if a == b:
            return False
        reason = (self.conflict(a, b) or (self.unweighed(a, b, left, right) if weighed else None)
                  or (self.twins(a, b) if scored else None)
                  or (self.years_apart(a, b) if dateless else None)
                  or (self.a_generation_apart(a, b) if weighed else None))
        if reason:
            return reason
        self.parent[b] = a
        for table in (self.members_rejecting, self.forbidden):
            if b in table:
                table.setdefault(a, set()).update(table.pop(b))
        if b in self.anchor:
            self.anchor.setdefault(a, self.anchor.pop(b))
        for sets in (self.keys, self.dates):
            held_b = sets.pop(b, None)
            if held_b:
                sets.setdefault(a, set()).update(held_b)
        for table in (self.identifiers, self.births):
            held_b = table.pop(b, None)
            if held_b:
                held_a = table.setdefault(a, {})
                for key, values in held_b.items():
                    held_a.setdefault(key, set()).update(values)
        return True


#: Why a merge through a pair that never weighed two values of a unique scheme was refused.
UNWEIGHED = ("Linking them would put two different {scheme} values in one person, through records that do not "
             "both hold one: no score weighed them (two members of one family?).")

#: Why a merge that would make twins one person was refused.
TWINS = "Linking them would put two people born on the same day with different forenames (twins?) in one person."


#: Why a pair named as twins was refused when one of them may be known by the other's middle name.
MIDDLE_NAME_OR_TWINS = ("One record's forename is the other's middle name, with one date of birth: one person known "
                        "by a middle name, or twins named after each other. A reviewer decides.")


def _twins_reason(left: dict[str, Any], right: dict[str, Any]) -> str:
    """Why a pair named as twins (:func:`_twins_alike`) is refused, in the words that fit it."""
    if known_by_a_middle_name(normalised_name(left.get("forename")), normalised_name(left.get("middle_names")),
                              normalised_name(right.get("forename")), normalised_name(right.get("middle_names"))):
        return MIDDLE_NAME_OR_TWINS
    return TWINS


#: A record's names as the twins checks read them: forename, surname, sex (male, female or
#: None), record id.
_Names = tuple[str | None, str | None, str | None, int]


def _names(record: dict[str, Any], record_id: int) -> _Names:
    return (normalised_name(record.get("forename")), normalised_name(record.get("surname")),
            compared_sex(record.get("sex")), record_id)


def rejected_pairs(decisions: list[tuple[int, int, str]]) -> dict[int, set[int]]:
    rejected: dict[int, set[int]] = defaultdict(set)
    for left, right, decision in decisions:
        if decision == "reject":
            rejected[left].add(right)
            rejected[right].add(left)
    return rejected


def cluster(
    records: dict[int, dict[str, Any]],
    pairs: list[tuple[int, int, float]],
    threshold: float,
    decisions: list[tuple[int, int, str]],
    *,
    anchors: dict[int, Any] | None = None,
) -> Clusters:
    """Cluster ``records`` (by id) from scored ``pairs`` (id, id, probability, …).

    Records of existing persons that share an anchor first (incremental linking), then
    one agency's records of one person (same source and local id), then accepted
    pairs, then scored pairs at or above ``threshold`` strongest first; no merge joins a
    rejected pair, two different valid strong identifiers of one kind, or two anchors.
    """
    groups = Groups(records, rejected_pairs(decisions), anchors)
    probability: dict[int, float] = {}
    result = Clusters(labels={}, probability=probability)

    def join(left: int, right: int, score: float | None, scored: bool = False, dateless: bool = False,
             weighed: bool = False) -> None:
        merged = groups.union(left, right, scored, dateless, weighed)
        if isinstance(merged, str):
            result.refused += 1
            result.refusals[pair_key(left, right)] = merged
            return
        if merged and score is not None and score < 1.0:
            result.pairs_linked += 1
        if score is not None:
            probability[left] = max(probability.get(left, 0.0), score)
            probability[right] = max(probability.get(right, 0.0), score)

    first_of_anchor: dict[Any, int] = {}
    prejoined = False
    for record_id, anchor in (anchors or {}).items():
        if record_id in records:
            if anchor in first_of_anchor:
                groups.parent[groups.find(record_id)] = groups.find(first_of_anchor[anchor])
                prejoined = True
            else:
                first_of_anchor[anchor] = record_id
    if prejoined:  # otherwise every record is its own root, as the constraints are kept
        _rebuild(groups)
    first_of: dict[tuple[str, str], int] = {}
    for record_id, record in records.items():
        key = (record["source"], record["local_id"])
        if key in first_of:
            join(first_of[key], record_id, None)
        else:
            first_of[key] = record_id
    for left, right, decision in decisions:
        if decision == "accept" and left in records and right in records:
            join(left, right, 1.0)
    strong = sorted((pair for pair in pairs if pair[2] >= threshold), key=lambda pair: -pair[2])
    twins = {pair_key(pair[0], pair[1]) for pair in strong
             if _twins_alike(records[pair[0]], pair[0], records[pair[1]], pair[1])}
    groups.linked = {pair_key(pair[0], pair[1]) for pair in strong} - twins
    torn, floors = _torn_records(records, strong, groups.linked)
    for pair in strong:
        key = pair_key(pair[0], pair[1])
        if pair[0] in torn or pair[1] in torn:
            result.held[key] = torn.get(pair[0]) or torn[pair[1]]  # its pairs stay in the queue
            continue
        weight = _pair_weight(pair)
        if weight < floors.get(pair[0], -math.inf) or weight < floors.get(pair[1], -math.inf):
            result.held[key] = OUTWEIGHED
            continue
        left, right = records[pair[0]], records[pair[1]]
        refusal = (_household_alike(left, pair[0], right, pair[1])
                   or (_twins_reason(left, right) if key in twins else None)
                   or (SIBLINGS if _siblings_alike(left, pair[0], right, pair[1]) else None))
        if refusal:
            result.refused += 1
            result.refusals[key] = refusal
            continue
        join(pair[0], pair[1], pair[2], scored=_says_little_of_forenames(left, right),
             dateless=not left.get("date_of_birth") or not right.get("date_of_birth"), weighed=True)
    result.labels = {record_id: groups.find(record_id) for record_id in records}
    return result


#: Two pairs of one record whose match weights are this close (bits) say it is as like
#: one partner as the other.
TIED_BITS = 1.0
#: A record whose best partners were all left for a reviewer joins nothing by a pair this
#: much weaker (bits) than its best: that would decide whose it is against the stronger
#: evidence. A pair nearly as strong (its own record of another source) still joins.
OUTWEIGHED_BITS = 4.0
#: Pairs this close (bits) scored the same: nothing in the record tells its partners apart.
LEVEL_BITS = 0.01


def _weight(probability: float) -> float:
    """A probability's match weight, for pairs given without one (bounded at 0 and 1)."""
    probability = min(max(probability, 1e-300), 1 - 1e-16)
    return math.log2(probability / (1 - probability))


def _pair_weight(pair: tuple) -> float:
    """The pair's match weight when it carries one: probabilities near 1 all round to one."""
    return pair[3] if len(pair) > 3 else _weight(pair[2])


#: Why a record's pairs were left for a reviewer (:func:`_torn_records`), said on each pair.
TORN_IDENTIFIERS = ("One of these records is as like one person as another, and those two hold different "
                    "{identifier}s: a reviewer decides whose it is.")
TORN_TWINS = ("One of these records has no forename and is as like one person as another, and those two look "
              "like twins (one date of birth, different forenames): a reviewer decides whose it is.")
TORN_GENERATIONS = ("One of these records has no date of birth and scores the same with two people of one name "
                    "born a generation apart (a parent and child?): a reviewer decides whose it is.")
OUTWEIGHED = ("Far weaker than a better pair of one of these records that was left for a reviewer: linking on "
              "it would decide whose the record is against the stronger evidence.")


def _torn_records(records: dict[int, dict[str, Any]], strong: list,
                  linked: set[tuple[int, int]]) -> tuple[dict[int, str], dict[int, float]]:
    """The records left for a reviewer, each with why, and the weakest pair each record
    whose best partners were all left may still join by.

    A record is left when its best pairs reach, within :data:`TIED_BITS` of each other, two
    records that cannot be one person: two holding different valid strong identifiers of
    one kind (two children of one name, birthday and address, told apart only by their NHS
    numbers), or, for a record with no forename (or an initial alone), two that look like
    twins (one date of birth, clearly different forenames, not scored a match with each
    other), or, for a record with no date of birth scoring the same (:data:`LEVEL_BITS`)
    with each, two born a generation apart (a father and son of one name: a newcomer's
    trial joined "Gary Wood" with no date to the father or the son as float rounding
    fell). Such a record scores the same with each; which one it joined would be decided
    by rounding, and either way it might be the other's. It is linked to neither, and its
    pairs stay in the review queue. A record whose best partners were all left joins
    nothing by a pair more than :data:`OUTWEIGHED_BITS` weaker than its best."""
    best: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for pair in strong:
        weight = _pair_weight(pair)
        best[pair[0]].append((weight, pair[1]))
        best[pair[1]].append((weight, pair[0]))
    tops = {record_id: max(weight for weight, _ in partners) for record_id, partners in best.items()}
    close = {record_id: [other for weight, other in partners if weight >= tops[record_id] - TIED_BITS]
             for record_id, partners in best.items()}
    torn: dict[int, str] = {}
    for record_id, partners in close.items():
        if len(partners) < 2:
            continue
        nameless = not telling_forename(records[record_id])  # else its forename tells twins apart
        dateless = not records[record_id].get("date_of_birth")  # else its date tells a father from his son
        level = [other for weight, other in best[record_id] if weight >= tops[record_id] - LEVEL_BITS]
        differing = _differing_identifier([strong_identifiers(records[other]) for other in partners])
        if differing:
            torn[record_id] = TORN_IDENTIFIERS.format(identifier=IDENTIFIER_NAMES[differing])
        elif nameless and _twins_among(records, partners, linked):
            torn[record_id] = TORN_TWINS
        elif dateless and len(level) > 1 and _apart_among(records, level):
            torn[record_id] = TORN_GENERATIONS
    floors = {record_id: tops[record_id] - OUTWEIGHED_BITS for record_id, partners in close.items()
              if record_id not in torn and all(other in torn for other in partners)}
    return torn, floors


def _differing_identifier(holdings: list[dict[str, str]]) -> str | None:
    """The kind of valid strong identifier two of these records hold different values of, if any."""
    seen: dict[str, str] = {}
    for identifiers in holdings:
        for name, value in identifiers.items():
            if different_identifiers(name, {seen.setdefault(name, value)}, {value}):
                return name
    return None


#: Strong identifiers with no check character: a typing slip leaves them valid.
UNCHECKED_IDENTIFIERS = frozenset({"ni_number"})
#: Strong identifiers with a check character: one mistyped fails it and is not compared.
CHECKED_IDENTIFIERS = frozenset(STRONG_IDENTIFIERS) - UNCHECKED_IDENTIFIERS


def different_identifiers(name: str, values: set[str], others: set[str]) -> bool:
    """Whether two sets of valid values of a strong identifier name two people: none in
    common, and (for an identifier with no check character, an NI number) none one
    typing slip from another: a character changed, dropped or added, or two neighbours
    swapped. An NHS number or UPN so slipped fails its check and is never valid, but an
    NI number does not, and two people's are rarely one slip apart: such a pair is
    weighed on its evidence (the model's "one character different" level) rather than
    refused, and a reviewer may merge it."""
    if not values.isdisjoint(others):
        return False
    return name not in UNCHECKED_IDENTIFIERS or not any(
        one_slip_apart(value, other) for value in values for other in others)


def _twins_among(records: dict[int, dict[str, Any]], partners: list[int], linked: set[tuple[int, int]]) -> bool:
    """Whether two of ``partners`` look like twins: one date of birth, names of two people
    (:func:`twin_names`), not scored a match with each other, and no strong or unique identifier shared."""
    born: dict[Any, list[int]] = defaultdict(list)
    for record_id in partners:
        if records[record_id].get("date_of_birth"):
            born[records[record_id]["date_of_birth"]].append(record_id)
    for same_day in born.values():
        for one, other in itertools.combinations(same_day, 2):
            if pair_key(one, other) not in linked and _twins_alike(records[one], one, records[other], other):
                return True
    return False


def _twins_alike(left: dict[str, Any], left_id: int, right: dict[str, Any], right_id: int) -> bool:
    """Whether two records are named as two people born on one day: one date of birth,
    forenames that clearly differ or of a male and a female (:func:`twin_names`), and no
    strong or unique identifier shared. Such a pair is never linked on its score: what
    else agrees (a surname, an address, a mother's phone on each child's record) is what
    twins share. A newcomer's trial merged 7 of 80 pairs of twins so, two GP records each,
    at 0.990 to 1.000 ("Gordon" and "Matthew Stone"); a reviewer may accept such a pair."""
    born = left.get("date_of_birth")
    if not born or born != right.get("date_of_birth"):
        return False
    return _named_apart(left, left_id, right, right_id, slips=True)


def _named_apart(left: dict[str, Any], left_id: int, right: dict[str, Any], right_id: int, *,
                 slips: bool = False) -> bool:
    """Whether two records' names say two people (:func:`twin_names`) and they share no
    strong or unique identifier (read last: it costs most, and most pairs are settled before)."""
    first, second = _names(left, left_id), _names(right, right_id)
    return (bool(first[0] and second[0])
            and twin_names(first[0], second[0], first[1], second[1], first[2], second[2])
            and not share_an_identifier(identity_keys(left), identity_keys(right), slips=slips))


def _born_apart(dates_a: set[Any], dates_b: set[Any], near_years: int) -> bool:
    """Whether no date of birth of one set is a date of the other, a slip of it ("1958"
    typed "1985"), it with day and month swapped, or fewer than ``near_years`` years from it."""
    others = {_digits(born) for born in dates_b}
    for one in map(_digits, dates_a):
        swapped = one[:4] + one[6:] + one[4:6]
        for other in others:
            if other in (one, swapped) or one_slip_apart(one, other) or abs(int(one[:4]) - int(other[:4])) < near_years:
                return False
    return True


def _apart_among(records: dict[int, dict[str, Any]], partners: list[int]) -> bool:
    """Whether two of ``partners`` were born a generation apart (:func:`_born_apart`) and
    share no strong or unique identifier (:func:`identity_keys`): a father and son of one name, say."""
    for at, one in enumerate(partners):
        for other in partners[at + 1:]:
            born, born_other = records[one].get("date_of_birth"), records[other].get("date_of_birth")
            if (born and born_other
                    and not share_an_identifier(identity_keys(records[one]), identity_keys(records[other]))
                    and _born_apart({born}, {born_other}, GENERATION_YEARS)):
                return True
    return False


def _digits(born: Any) -> str:
    """A date of birth (a date or ISO text) as its eight digits, YYYYMMDD."""
    return str(born).replace("-", "")[:8]


HOUSEHOLD_ALIKE = ("Neither a forename nor a date of birth is on both records: what agrees (a surname, an "
                   "address) is what the members of one household share.")
#: Why a pair with no date of birth on one record and two people's forenames was refused.
HOUSEHOLD_NAMED_APART = ("One record has no date of birth and their forenames name two people: what agrees (a "
                         "surname, an address, a phone) is what the members of one household share.")


def _household_alike(left: dict[str, Any], left_id: int, right: dict[str, Any], right_id: int) -> str | None:
    """Why a pair cannot tell one member of a household from another by anything it
    holds, or None: no date of birth on one of them, no strong or unique identifier
    shared, and either no forename on one of them (an initial says little: a trial of
    placeholder dates read as unknown joined a boy with no date to his twin sister's
    record with no forename on their surname and address alone, and so the twins) or
    forenames that name two people (:func:`twin_names`: a newcomer's trial linked "Gareth
    Lees" with no date to his brother Timothy, and five more such pairs, at 0.999 on a
    surname, an address, a sex and the family's phone)."""
    if left.get("date_of_birth") and right.get("date_of_birth"):
        return None
    if not (telling_forename(left) and telling_forename(right)):
        return None if share_an_identifier(identity_keys(left), identity_keys(right)) else HOUSEHOLD_ALIKE
    return HOUSEHOLD_NAMED_APART if _named_apart(left, left_id, right, right_id) else None


SIBLINGS = ("Their forenames and their dates of birth both say two people: what agrees (a surname, an address, "
            "a phone) is what the members of one household share.")


def _siblings_alike(left: dict[str, Any], left_id: int, right: dict[str, Any], right_id: int) -> bool:
    """Whether two records name two people by everything personal they hold: forenames
    that clearly differ or of a male and a female (:func:`twin_names`), dates of birth
    neither equal nor a slip nor swapped (:func:`_born_apart`), and no strong or unique
    identifier shared. A newcomer's trial (the mother's mobile on each child's record)
    linked four pairs of siblings at 1.000 on their surname, address and phone: "Rebecca
    Nguyen" (2019) and "Teresa Nguyen" (2026), "Katherine Fowler" and "Dawn Fowler"."""
    born, other = left.get("date_of_birth"), right.get("date_of_birth")
    if not born or not other or born == other or not _born_apart({born}, {other}, 0):
        return False
    return _named_apart(left, left_id, right, right_id)


def _says_little_of_forenames(left: dict[str, Any], right: dict[str, Any]) -> bool:
    """Whether a pair's forenames cannot tell twins apart: one has none, or they are not
    the same (an initial, a short form, a typo). Such a pair may be the bridge that would
    join twins through itself, so its merge is checked for twins (:meth:`Groups.twins`);
    a pair whose forenames are the same carries that evidence itself."""
    one, other = normalised_name(left.get("forename")), normalised_name(right.get("forename"))
    return not one or not other or one != other


def _rebuild(groups: Groups) -> None:
    """After pre-joining existing persons by hand, gather each group's constraints at its root."""
    identifiers, births, rejecting, forbidden, anchor = {}, {}, {}, {}, {}
    for held, gathered in ((groups.identifiers, identifiers), (groups.births, births)):
        for record_id, table in held.items():
            target = gathered.setdefault(groups.find(record_id), {})
            for key, values in table.items():
                target.setdefault(key, set()).update(values)
    keys: dict[int, set] = {}
    for record_id, held in groups.keys.items():
        keys.setdefault(groups.find(record_id), set()).update(held)
    groups.keys = keys
    dates: dict[int, set[Any]] = {}
    for record_id, held in groups.dates.items():
        dates.setdefault(groups.find(record_id), set()).update(held)
    groups.dates = dates
    for source, target in ((groups.members_rejecting, rejecting), (groups.forbidden, forbidden)):
        for record_id, values in source.items():
            target.setdefault(groups.find(record_id), set()).update(values)
    for record_id, value in groups.anchor.items():
        anchor[groups.find(record_id)] = value
    groups.identifiers, groups.births, groups.members_rejecting, groups.forbidden, groups.anchor = (
        identifiers, births, rejecting, forbidden, anchor)


# --------------------------------------------------------------------------- stable ids


@dataclass
class Identity:
    """Which public id each new cluster takes, and what happened to the old ones."""

    ids: dict[int, str] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    new: set[str] = field(default_factory=set)
    retired: dict[str, str | None] = field(default_factory=dict)


def assign_ids(members: dict[int, list[int]], previous: dict[int, str]) -> Identity:
    """Give each cluster (label → record ids) a public id, keeping the old ones that fit.

    ``previous`` maps record id → the person id it had. A person's id goes to the cluster
    holding at least half of their surviving records (the biggest share; ties to the
    cluster with their lowest record id); a cluster claimed by several persons takes the
    one it holds most of (ties: the person's lowest record id).
    """
    label_of = {record_id: label for label, ids in members.items() for record_id in ids}
    shares: dict[str, Counter] = defaultdict(Counter)
    first_record: dict[str, int] = {}
    for record_id, person_id in previous.items():
        label = label_of.get(record_id)
        if label is None:
            continue
        shares[person_id][label] += 1
        first_record[person_id] = min(first_record.get(person_id, record_id), record_id)
    claims: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for person_id, counts in shares.items():
        total = sum(counts.values())
        label, held = max(counts.items(), key=lambda item: (item[1], -min(members[item[0]])))
        if 2 * held >= total:
            claims[label].append((-held, first_record[person_id], person_id))
    identity = Identity()
    for label, candidates in claims.items():
        candidates.sort()
        identity.ids[label] = candidates[0][2]
        identity.kept.add(candidates[0][2])
    for label in members:
        if label not in identity.ids:
            person_id = new_person_id()
            while person_id in shares or person_id in identity.new:
                person_id = new_person_id()
            identity.ids[label] = person_id
            identity.new.add(person_id)
    for person_id, counts in shares.items():
        if person_id not in identity.kept:
            label = counts.most_common(1)[0][0]
            identity.retired[person_id] = identity.ids[label]
    return identity
