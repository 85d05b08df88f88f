"""JoinedUp's address matcher: what a gazetteer knows, added to a probabilistic engine.

For each address:

1. **Bad input** (empty, a postcode alone, no fixed abode, abroad, garbage) is unmatched
   at once, with the reason.
2. **Exact** (the fast path): the address's words up to the street, normalised, are an
   LPI's words exactly, the postcode agrees (or is absent) and nothing after the street
   contradicts it; and no other UPRN is written the same way.
3. **Gazetteer-aware scoring**: the street is found among the gazetteer's street names
   (any LPI: approved, alternative or historic), candidates come from the street and the
   house number (or building name), and each candidate is scored on evidence, in bits:
   the flat (SAO) must agree — "Flat 2, 10 High St" never takes flat 3, nor the building
   when the building has flats; the building name; the locality and town after the
   street; the postcode, whole or its outward code alone. A building divided into flats
   is never the match of an address that writes more than the building ("10 High St
   Flat B", "FFF, 10 High St"): someone lives in one of its flats.
4. **The probabilistic engine** (uk-address-matcher, behind :class:`AddressEngine`) for
   what is left: its candidates are checked against the same structure (the numbers in
   the address must be the candidate's numbers, the postcode area must not contradict).
5. **Ambiguity**: when the two best UPRNs are within :data:`MARGIN` bits, the address is
   ambiguous, unless other records of the same source and local id are matched to one
   of them (a person's other rows are evidence of where they live), or the address
   names no flat and only one of them is a home (not a building divided into flats,
   not a school or a shop), or only one of them is what the address writes, word for
   word, up to the street.

Every outcome carries a reason in words a data team can act on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from joinedup.gazetteer.engine import AddressEngine, EngineAddress
from joinedup.gazetteer.normalise import CANONICAL_WORDS, FLOOR_WORDS, is_number, split_postcode, tokens
from joinedup.gazetteer.spelling import NearNames, allowed_slips, slips, sound_key, sounds_alike

#: Bits an address needs to be matched.
MATCH_MIN = 12.0
#: Bits between the best UPRN and the next below which the address is ambiguous.
MARGIN = 4.0
#: Engine weights (Splink bits) needed for an engine-only match, and the gap to the next.
ENGINE_MIN = 10.0
ENGINE_MARGIN = 5.0
#: Engine weight enough when the engine offers one candidate only and it fits the address.
ENGINE_SOLE_MIN = 5.0

W_STREET = 8.0
#: A street found from a misspelling, among the streets of the town or outward code named.
W_STREET_NEAR = 6.0
#: Street found among the streets of the address's own postcode, two slips away.
W_STREET_POSTCODE = 4.0
#: Street found among the streets of a town or locality named, two slips away, no postcode.
W_STREET_PLACE = 5.0
#: What a misspelt street costs whose kind (Road, Grove) is not the one written.
W_OTHER_KIND = 4.0
#: Words after the street the gazetteer does not know as a place (a county, a place elsewhere).
W_UNKNOWN_PLACE = 3.0
#: A town of the gazetteer named that is not the candidate's: only its postcode outweighs it.
W_OTHER_TOWN = 12.0
#: What reading "10/2" as flat 2 of number 10 costs, against flat 10 of number 2.
W_OTHER_READING = 4.0
W_NUMBER = 6.0
#: What reading the house number with two neighbouring digits swapped costs (12 for 21).
W_NUMBER_SWAPPED = 4.0
W_BUILDING = 3.0
W_BUILDING_ONLY = 6.0
#: The name of another building on the street written with the number: as much as
#: another town, so that neither the number nor the name decides.
W_OTHER_BUILDING = 12.0
W_SAO = 6.0
W_POSTCODE = 8.0

COUNTRIES = frozenset({
    "FRANCE", "SPAIN", "GERMANY", "POLAND", "IRELAND", "ITALY", "PORTUGAL", "ROMANIA", "BULGARIA",
    "LITHUANIA", "LATVIA", "NETHERLANDS", "BELGIUM", "USA", "AMERICA", "CANADA", "AUSTRALIA",
    "INDIA", "PAKISTAN", "BANGLADESH", "NIGERIA", "GHANA", "SOMALIA", "ERITREA", "SUDAN", "SYRIA",
    "IRAQ", "IRAN", "AFGHANISTAN", "UKRAINE", "RUSSIA", "CHINA", "JAMAICA", "ZIMBABWE", "KENYA",
    "TURKEY", "GREECE", "ALBANIA", "BRAZIL", "PHILIPPINES", "SWEDEN", "NORWAY", "DENMARK",
})
_NO_FIXED_ABODE = frozenset({"NFA", "NO FIXED ABODE", "NO FIXED ADDRESS", "HOMELESS", "NONE", "UNKNOWN",
                             "NOT KNOWN", "NK", "N K", "N A", "NA", "TBC", "TBA", "REFUSED", "WITHHELD"})
_TRAILING_NOISE = frozenset({"UK", "UNITED KINGDOM", "ENGLAND", "GB", "GREAT BRITAIN", "WALES", "SCOTLAND"})
#: A UK telephone number typed into an address line, with its label: "Tel 07700 937880".
_PHONE = re.compile(r"(?:\b(?:TEL|TELEPHONE|PHONE|MOB|MOBILE|MOBILE NO|HOME|T|M)\b\s*[:.]?\s*)?"
                    r"(?:\+44\s*(?:\(0\)\s*)?|\b0)\d(?:[\s-]?\d){8,9}\b", re.IGNORECASE)
#: "c/o Mr Anthony Hunt," before an address: whom the post goes through, not where.
_CARE_OF = re.compile(r"^\s*(?:c\s*/\s*o|c\.\s*o\.|care\s+of)\s[^,\d]*,?", re.IGNORECASE)
_FOREIGN_POSTCODE = re.compile(r"^\d{4,6}$|^\d{5}-\d{4}$|^[A-Z]\d[A-Z] ?\d[A-Z]\d$")
_SAO_WORDS = frozenset({"FLAT", "UNIT"})
_FLAT_LETTER = re.compile(r"^F([A-Z])$")
_NUMBER_AND_LETTER = re.compile(r"^(\d+)([A-Z])$")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: North, south, east and west as a place's first word, normalised.
_COMPASS = frozenset({"N", "S", "E", "W"})
#: What kind of street a street is ("Road"), in the one spelling tokens() gives, and
#: kinds it leaves as they are.
_KIND_CODES = frozenset({
    "RD", "ST", "AVE", "LN", "CL", "DR", "CRES", "GDNS", "TERR", "PL", "GR", "CT", "SQ", "PDE", "WAY", "WLK",
    "MEWS", "VW", "RISE", "HL", "PK", "ROW", "CHASE", "CROFT", "YARD", "WHARF", "QUAY", "BOULEVARD", "CIRCUS",
})
#: The kinds' long forms, so that a misspelt "Raod" is still a road.
_STREET_KINDS = {word: code for word, code in CANONICAL_WORDS.items() if len(word) >= 4 and code in _KIND_CODES}
_KIND_NAMES = NearNames((word, word) for word in _STREET_KINDS)


def _clipped_kinds(words: Iterable[str]) -> dict[str, set[str]]:
    """Each kind of ``words`` with a letter after the first dropped ("Roa", "Lae"), and
    the kinds those three letters could be."""
    clipped: dict[str, set[str]] = defaultdict(set)
    for word in words:
        for at in range(1, len(word)):
            clipped[word[:at] + word[at + 1:]].add(_STREET_KINDS[word])
    return clipped


#: The four-letter kinds written as words (not abbreviations such as CRES), clipped:
#: too short for the misspelling lookup.
_KIND_CLIPPED = _clipped_kinds(("ROAD", "LANE", "WALK", "VIEW", "HILL", "PARK", "RISE", "MEWS"))


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One current LPI as the matcher needs it (built from GazetteerAddress rows)."""

    uprn: str
    parent_uprn: str | None
    lpi_status: str
    sao_text: str
    sao_number: str
    pao_text: str
    pao_number: str
    street: str
    locality: str
    town: str
    postcode: str
    classification: str = ""


#: Classifications where people live; a home address elsewhere is unlikely.
HOME_CLASSES = frozenset({"", "residential", "hmo", "care_home", "hostel"})


@dataclass(slots=True)
class _Lpi:
    uprn: str
    sao: tuple[str, ...]
    pao_number: str
    pao_text: tuple[str, ...]
    street: tuple[str, ...]
    locality: tuple[str, ...]
    town: tuple[str, ...]
    postcode: str
    outward: str
    sector: str
    normalised: str
    text: str


@dataclass(frozen=True, slots=True)
class AddressInput:
    """One address to match. ``group`` ties records of one source and local id together."""

    id: Hashable
    text: str | None
    postcode: str | None
    group: Hashable | None = None


@dataclass(slots=True)
class Outcome:
    """What the matcher concluded about one address."""

    status: str  # matched | ambiguous | unmatched
    uprn: str | None = None
    score: float | None = None
    method: str | None = None
    runner_up_uprn: str | None = None
    runner_up_score: float | None = None
    reason: str = ""
    # UPRNs as good as the best (within the margin), best first: for tie-breaking.
    tied: list[str] = field(default_factory=list)


def score_of(weight: float) -> float:
    """Bits of evidence as a score between 0 and 1 (12 bits is about 0.9)."""
    return round(1.0 / (1.0 + 2.0 ** (-(weight - 6.0) / 2.0)), 4)


def sao_key(words: Sequence[str]) -> tuple[str, ...]:
    """A flat's identifier without the words that only say "flat": (FLAT, 2) is (2,)."""
    words = [word for word in words if word not in _SAO_WORDS]
    if len(words) == 1:
        letter = _FLAT_LETTER.match(words[0])
        if letter:
            return (letter.group(1),)
    return tuple(words)


class GazetteerIndex:
    """The current gazetteer, indexed for the matcher: streets, numbers, names, places."""

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self.lpis: list[_Lpi] = []
        self.by_number: dict[tuple[tuple[str, ...], str], list[int]] = defaultdict(list)
        #: street → building name (PAO text) → the LPIs of that building on it.
        self.named: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = defaultdict(lambda: defaultdict(list))
        self.streets: set[tuple[str, ...]] = set()
        self.places: dict[tuple[str, ...], str] = {}
        self.postcodes: set[str] = set()
        self.outwards: set[str] = set()
        self.parents: set[str] = set()
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.uprns: dict[str, list[int]] = defaultdict(list)
        self.not_homes: set[str] = set()
        self.street_places: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        self.place_streets: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
        self.street_outwards: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self.postcode_streets: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        #: The house numbers each postcode holds on each of its streets.
        self.postcode_numbers: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
        #: Each town's and locality's spellings, its words run together: normalised
        #: ("SSARAH") and as the gazetteer writes it ("SOUTHSARAH"), for misspellings
        #: of either ("Souf Sarah").
        self.place_spellings: dict[tuple[str, ...], set[str]] = defaultdict(set)
        #: Streets by how their name sounds and their kind: ("LFND", "RD") is Lavender Road,
        #: which "Lavenda Road" sounds like (the misspelling lookup hears only long names).
        self.street_sounds: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
        #: Each street's name without its kind, run together: normalised ("W" for West
        #: Street) and as the gazetteer writes it ("WEST").
        self.street_names: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for entry in entries:
            self._add(entry)
        self.longest_street = max((len(street) for street in self.streets), default=0)
        self.longest_place = max((len(place) for place in self.places), default=0)
        # Each street's name as normalised and as written, with its kind: "PAKR ST" is one
        # slip from PARK ST, though Park normalises to PK.
        self.near_streets = NearNames((spelling, street) for street in self.streets for spelling in {
            "".join(street), *(name + (street[-1] if street[-1] in _KIND_CODES else "")
                               for name in self.street_names[street])})
        self.near_places = NearNames((spelling, place) for place, spellings in self.place_spellings.items()
                                     for spelling in spellings)
        self.place_words = {word for place in self.places for word in place}

    def __len__(self) -> int:
        return len(self.lpis)

    def _add(self, entry: GazetteerEntry) -> None:
        sao = tokens(f"{entry.sao_text} {entry.sao_number}")
        pao_number = "".join(tokens(entry.pao_number))
        pao_text = tuple(tokens(entry.pao_text))
        street = tuple(tokens(entry.street))
        postcode = entry.postcode
        outward, _, inward = postcode.partition(" ")
        normalised = " ".join((*sao, *pao_text, *([pao_number] if pao_number else []), *street))
        text = ", ".join(part for part in (
            f"{entry.sao_text} {entry.sao_number}".strip(), entry.pao_text,
            f"{entry.pao_number} {entry.street}".strip(), entry.locality, entry.town,
        ) if part)
        lpi = _Lpi(
            uprn=entry.uprn, sao=sao_key(sao), pao_number=pao_number, pao_text=pao_text, street=street,
            locality=tuple(tokens(entry.locality)), town=tuple(tokens(entry.town)), postcode=postcode,
            outward=outward, sector=f"{outward} {inward[:1]}" if inward else "", normalised=normalised, text=text,
        )
        position = len(self.lpis)
        self.lpis.append(lpi)
        self.uprns[entry.uprn].append(position)
        if street:
            self.streets.add(street)
            if (heard := _heard(street)) is not None:
                self.street_sounds[heard].add(street)
            self.street_places[street].update(place for place in (lpi.locality, lpi.town) if place)
            for place in (lpi.locality, lpi.town):
                if place:
                    self.place_streets[place].add(street)
            name, written = (street[:-1], entry.street.split()[:-1]) if street[-1] in _KIND_CODES else (street, [])
            self.street_names[street].update(
                ("".join(name), "".join(filter(str.isalpha, "".join(written or [entry.street]).upper()))))
            if postcode:
                self.street_outwards[street].add(outward)
                self.postcode_streets[postcode].add(street)
                if pao_number:
                    self.postcode_numbers[(postcode, street)].add(pao_number)
            if pao_number:
                self.by_number[(street, pao_number)].append(position)
            if pao_text:
                self.named[street][pao_text].append(position)
        for place, kind, written in ((lpi.locality, "locality", entry.locality), (lpi.town, "town", entry.town)):
            if place and self.places.get(place) != "town":
                self.places[place] = kind
            if place:
                self.place_spellings[place].update(("".join(place), "".join(filter(str.isalpha, written.upper()))))
        if postcode:
            self.postcodes.add(postcode)
            self.outwards.add(outward)
        if entry.parent_uprn:
            self.parents.add(entry.parent_uprn)
        if entry.classification not in HOME_CLASSES:
            self.not_homes.add(entry.uprn)
        self.exact[normalised].add(entry.uprn)

    def engine_addresses(self) -> list[EngineAddress]:
        """The gazetteer as the engine sees it: one address per LPI, id its position."""
        return [EngineAddress(str(position), lpi.text, lpi.postcode) for position, lpi in enumerate(self.lpis)]


@dataclass(slots=True)
class _Parsed:
    words: list[str]
    postcode: str
    outward: str
    #: The gazetteer's streets the address names as written, found with nothing on them
    #: that fits: why there is no candidate, when that is why.
    streets_without_a_fit: list[str] = field(default_factory=list)

    def why_no_candidate(self) -> str:
        if self.streets_without_a_fit:
            return (f"the gazetteer has {' and '.join(self.streets_without_a_fit)}, but nothing on it "
                    "with the number or building name written")
        return "no street in the gazetteer was recognised"


#: One piece of evidence about a candidate: what it is, in words, and its bits.
_Evidence = tuple[str, float]


@dataclass(slots=True)
class _Scored:
    """A candidate LPI and the evidence for and against it; its weight is their sum, so
    a reason built from the evidence explains exactly the weight decided on."""
    evidence: tuple[_Evidence, ...]
    lpi: int
    exact: bool
    #: The address's words up to the street are the LPI's, word for word, and neither
    #: its places nor its postcode count against it (a place may be misspelt).
    as_written: bool = False
    #: The candidate is the written number with two digits swapped (Matcher._number_swapped).
    swapped: bool = False
    #: The candidate is on a street of the postcode of another kind than written (Matcher._near_names).
    other_kind: bool = False
    weight: float = field(init=False)

    def __post_init__(self) -> None:
        self.weight = sum(bits for _what, bits in self.evidence)


class Matcher:
    """Matches addresses to UPRNs against one :class:`GazetteerIndex`."""

    def __init__(self, index: GazetteerIndex, engine: AddressEngine | None = None) -> None:
        self.index = index
        self.engine = engine

    # The whole run -------------------------------------------------------------------

    def match(
        self,
        addresses: Sequence[AddressInput],
        *,
        known: dict[Hashable, set[str]] | None = None,
        progress=None,
    ) -> list[Outcome]:
        """An outcome per address, in order. ``known``: UPRNs each group is already matched to."""
        outcomes: list[Outcome | None] = []
        leftovers: list[tuple[int, _Parsed]] = []
        for position, address in enumerate(addresses):
            outcome, parsed = self._match_one(address)
            outcomes.append(outcome)
            if outcome is None:
                leftovers.append((position, parsed))
            if progress is not None and position % 5000 == 4999:
                progress(position + 1, len(addresses))
        if leftovers:
            self._engine_pass(leftovers, outcomes)
        done: list[Outcome] = [outcome for outcome in outcomes if outcome is not None]
        self._siblings(addresses, done, known or {})
        if progress is not None:
            progress(len(addresses), len(addresses))
        return done

    def _siblings(self, addresses: Sequence[AddressInput], outcomes: list[Outcome],
                  known: dict[Hashable, set[str]]) -> None:
        """Settle ties using the UPRNs the same source's local id is matched to elsewhere."""
        matched: dict[Hashable, set[str]] = defaultdict(set)
        for group, uprns in known.items():
            matched[group] |= uprns
        for address, outcome in zip(addresses, outcomes):
            if address.group is not None and outcome.status == "matched":
                matched[address.group].add(outcome.uprn)
        for address, outcome in zip(addresses, outcomes):
            if outcome.status != "ambiguous" or address.group is None or not outcome.tied:
                continue
            agreed = [uprn for uprn in outcome.tied if uprn in matched.get(address.group, ())]
            if len(agreed) == 1:
                chosen = agreed[0]
                others = [uprn for uprn in outcome.tied if uprn != chosen]
                outcome.status = "matched"
                if chosen != outcome.uprn:
                    outcome.runner_up_uprn, outcome.runner_up_score = outcome.uprn, outcome.score
                    outcome.uprn = chosen
                outcome.reason = (
                    f"{outcome.reason}; settled for {chosen} (over {', '.join(others)}) because other "
                    "records with the same local id are matched to it"
                )

    # One address ---------------------------------------------------------------------

    def _match_one(self, address: AddressInput) -> tuple[Outcome | None, _Parsed | None]:
        rest, postcode, outward = split_postcode(address.text, address.postcode)
        words = tokens(_CARE_OF.sub("", _PHONE.sub(" ", rest)))
        words = _strip_noise(words)
        refusal = self._screen(address, words, postcode, outward)
        if refusal is not None:
            return refusal, None
        parsed = _Parsed(words, postcode, outward)
        scored = self._candidates(parsed)
        if not scored:
            if postcode and postcode not in self.index.postcodes and outward not in self.index.outwards:
                return Outcome("unmatched", reason=f"the postcode {postcode} is outside the gazetteer's area"), None
            return None, parsed
        return self._decide(scored, parsed), parsed

    def _screen(self, address: AddressInput, words: list[str], postcode: str, outward: str) -> Outcome | None:
        text = (address.text or "").strip()
        joined = " ".join(words)
        if not words:
            if postcode or (address.postcode or "").strip():
                return Outcome("unmatched", reason="the address is a postcode alone, which does not say which property")
            return Outcome("unmatched", reason="the address is empty")
        if joined in _NO_FIXED_ABODE or joined.startswith("NO FIXED"):
            return Outcome("unmatched", reason=f"the address says '{text[:60]}', which is not a property")
        if COUNTRIES & set(words[-2:]):
            return Outcome("unmatched", reason="the address is outside the UK")
        raw_postcode = (address.postcode or "").strip().upper()
        if raw_postcode and not postcode and not outward and _FOREIGN_POSTCODE.match(raw_postcode):
            return Outcome("unmatched", reason=f"the postcode '{raw_postcode}' is not a UK postcode")
        if not any(len(word) >= 2 and word.isalpha() for word in words):
            return Outcome("unmatched", reason=f"'{text[:60]}' has no words an address would have")
        if len(text) > 400:
            return Outcome("unmatched", reason="the address is too long to be one address")
        return None

    def _candidates(self, parsed: _Parsed) -> list[_Scored]:
        index, words = self.index, parsed.words
        scored: list[_Scored] = []
        longest = index.longest_street
        recognised = False
        for start in range(len(words)):
            for end in range(min(len(words), start + longest), start, -1):
                street = tuple(words[start:end])
                if street not in index.streets:
                    continue
                recognised = True
                held = len(scored)
                self._on_street(parsed, start, end, street, scored, (("the street", W_STREET),))
                if len(scored) == held:
                    parsed.streets_without_a_fit.append(" ".join(street))
                break
        if not recognised or all(candidate.weight < MATCH_MIN for candidate in scored):
            self._near_streets(parsed, scored)
        if not recognised or not scored or (
                parsed.postcode and not any(index.lpis[item.lpi].postcode == parsed.postcode for item in scored)):
            # Also when the streets written give no house of the written postcode: "34
            # Wellington Road, HN6 9DF" where HN6 9DF holds 34 Wellington Drive.
            self._streets_of_the_postcode(parsed, scored)
        if not scored and not parsed.postcode:
            self._streets_of_the_places(parsed, scored)
        return scored

    def _streets_of_the_postcode(self, parsed: _Parsed, scored: list[_Scored]) -> None:
        """The streets of the address's own postcode, their names written with two slips
        whatever their length ("Alvetrt Road" for Albert Road, "Wesf Street" for West
        Street): a full postcode and a number or building on that street already say
        where, so the name need only be near. Its first letter must be right. A street
        whose name is written exactly but whose kind is not ("5 Church Walk" where the
        postcode holds 5 Church Road) counts too, when the street written is not the
        gazetteer's: the postcode and the number say which it is."""
        streets = sorted(self.index.postcode_streets.get(parsed.postcode, ()))
        self._near_names(parsed, scored, streets, 2, ("a misspelling of a street of the postcode", W_STREET_POSTCODE),
                         other_kind=("the street's name, of another kind than written, among the streets of the postcode",
                                     W_STREET_POSTCODE))

    def _streets_of_the_places(self, parsed: _Parsed, scored: list[_Scored]) -> None:
        """Without a postcode, the streets of the towns and localities the address names,
        their names (five letters or more) written with two slips that the lookup by
        spelling or sound does not reach ("Ellesmae Grove" for Ellesmere Grove): the place
        and a number or building on the street say where. The first letter and the kind
        written must be the street's."""
        places = self._named_places(parsed.words)
        streets = sorted({street for place in places for street in self.index.place_streets.get(place, ())})
        self._near_names(parsed, scored, streets, 5, ("a misspelling of a street of the place named", W_STREET_PLACE))

    def _near_names(self, parsed: _Parsed, scored: list[_Scored], streets: list[tuple[str, ...]], shortest: int,
                    found_street: _Evidence, *, other_kind: _Evidence | None = None) -> None:
        """Weigh each of ``streets`` whose name the address writes with its first letter
        right and two slips at most (one below five letters; none below ``shortest``),
        and of the kind written; or, given ``other_kind``, whose name it writes exactly
        with another kind."""
        index = self.index
        for start, end, span, kind in self._spans(parsed.words):
            for street in streets:
                if street[-1] in _KIND_CODES:
                    if end - start < 2:
                        continue
                    written = "".join(span[:-1])
                    if kind != street[-1]:
                        if other_kind is not None and kind in _KIND_CODES and written in index.street_names[street]:
                            # Kept only if strong enough to match: a building's name read as a
                            # street ("Glebe Court, 24 Glebe") would otherwise keep the
                            # address from the engine with a weak candidate. Not with the
                            # number's digits swapped too: one slip is read at a time.
                            found: list[_Scored] = []
                            self._on_street(parsed, start, end, street, found, (other_kind,))
                            scored += [replace(candidate, other_kind=True) for candidate in found
                                       if candidate.weight >= MATCH_MIN and not candidate.swapped]
                        continue
                else:
                    written = "".join(span)
                limit = 1 if len(written) < 5 else 2
                if len(written) >= max(3, shortest) and any(
                        written[0] == name[0] and slips(written, name, limit) <= limit
                        for name in index.street_names[street]):
                    self._on_street(parsed, start, end, street, scored, (found_street,))

    def _spans(self, words: list[str]):
        """Each run of words that could be a street's name (not starting with a number),
        longest first at each start, with the kind its last word would be."""
        for start in range(len(words)):
            if is_number(words[start]):
                continue
            for end in range(min(len(words), start + self.index.longest_street), start, -1):
                span = words[start:end]
                yield start, end, span, _street_kind(span[-1])

    def _near_streets(self, parsed: _Parsed, scored: list[_Scored]) -> None:
        """Streets the address may misspell, among those of the outward code or places it names.

        With neither, any street in the gazetteer; the places after the street and the
        structure then weigh each candidate as they would for a street spelt right.
        """
        index = self.index
        places = self._named_places(parsed.words)
        outward = parsed.outward
        for start, end, span, kind in self._spans(parsed.words):
            found = {street for spelling in {"".join(span), "".join((*span[:-1], kind))}
                     for street, _slips in index.near_streets.find(spelling)}
            found |= _sounding(span[:-1], kind, index)
            if outward or places:
                found = {street for street in found if outward in index.street_outwards[street]
                         or index.street_places[street] & places}
            # "Ellesmere Grovee" is Ellesmere Grove before Ellesmere Road: a kind the
            # address writes (misspelt or not) counts against streets of another kind,
            # when a street of its own kind is found too, in the places it names, or the
            # street is written exactly as the gazetteer has it elsewhere ("9 Sidney Grove,
            # Thornwick" is not 9 Sidney Road there when Sidney Grove is in another town;
            # "5 Ellesmere Grovee, Joinford" may be Ellesmere Road there).
            kind_found = kind in _KIND_CODES and (any(street[-1] == kind for street in found)
                                                  or tuple(span) in index.streets)
            for street in sorted(found):
                evidence: tuple[_Evidence, ...] = (("a misspelling of the street", W_STREET_NEAR),)
                if kind_found and street[-1] != kind:
                    evidence += (("the street's kind is not the one written", -W_OTHER_KIND),)
                self._on_street(parsed, start, end, street, scored, evidence)

    def _named_places(self, words: list[str]) -> set[tuple[str, ...]]:
        """The gazetteer's towns and localities an address names, spelt right or nearly."""
        index = self.index
        named: set[tuple[str, ...]] = set()
        for start in range(len(words)):
            for end in range(min(len(words), start + index.longest_place), start, -1):
                span = tuple(words[start:end])
                if span in index.places:
                    named.add(span)
                else:
                    named.update(place for place, _slips in index.near_places.find("".join(span)))
        return named

    def _on_street(self, parsed: _Parsed, start: int, end: int, street: tuple[str, ...],
                   scored: list[_Scored], found_street: tuple[_Evidence, ...]) -> None:
        index, words = self.index, parsed.words
        before, after = words[:start], words[end:]
        # A flat written after the street is the flat's all the same: "7 School Lane, Flat 1".
        flat_after = _flat_words(after)
        if flat_after:
            before, after = [*after[:flat_after], *before], after[flat_after:]
        if before and is_number(before[-1]):
            number, premise = before[-1], before[:-1]
            found = index.by_number.get((street, number), ())
            lettered = _NUMBER_AND_LETTER.match(number)
            if not found and lettered:
                # "46B" where the gazetteer has flat B of 46: the letter is the flat's.
                number, premise = lettered.group(1), [*premise, lettered.group(2)]
                found = index.by_number.get((street, number), ())
                found_street += ((f"the letter of {lettered.group(0)} read as the flat's", -1.0),)
            for position in found:
                self._score(parsed, position, premise, after, number, end, scored, found_street)
            if found and parsed.postcode:
                self._number_swapped(parsed, street, number, found, premise, after, end, scored, found_street)
            if len(before) >= 2 and is_number(before[-2]) and not _SAO_WORDS & set(before[:-2]):
                # "10/2 School Lane" is flat 10 of number 2 (the reading step 3 documents),
                # or, some agencies write, flat 2 of number 10: the other reading is weighed
                # too, a little below, so that what the gazetteer holds decides.
                number, premise = before[-2], [*before[:-2], before[-1]]
                read_back = (*found_street, (f"the numbers read as house {number}, then flat {before[-1]}",
                                             -W_OTHER_READING))
                for position in index.by_number.get((street, number), ()):
                    self._score(parsed, position, premise, after, number, end, scored, read_back)
        # A building of the street named before it: its own entries, any number then being
        # a flat's ("Atkins House Flat 6, Mill Lane"; "Davey House 8, Wellington Terrace").
        # A building with a number of its own was weighed above if the number is its own;
        # here only if the number may be one of its flats ("Swallow House Flat 18, Moore
        # Lane" for flat 18 of Swallow House, 20 Moore Lane).
        written = before[-1] if before and is_number(before[-1]) else ""
        for building, positions in index.named.get(street, {}).items():
            if _find(before, building) < 0:
                continue
            for position in positions:
                lpi = index.lpis[position]
                if not (written and lpi.pao_number and written not in lpi.sao):
                    self._score(parsed, position, before, after, "", end, scored, found_street)

    def _number_swapped(self, parsed: _Parsed, street: tuple[str, ...], number: str, found: Sequence[int],
                        premise: list[str], after: list[str], end: int, scored: list[_Scored],
                        found_street: tuple[_Evidence, ...]) -> None:
        """Weigh the houses of the written postcode whose number is the written one with two
        neighbouring digits swapped ("21 High Street, JU1 1AA", where 21 is further along
        and JU1 1AA holds 12): the number slipped, or the postcode landed, by a slip of its
        own, on the one part of the street that holds the number's swap. Which, nothing in
        the address says: such a candidate is never matched, but sends the address to the
        review list with the written house beside it (:meth:`_decide`), so that the
        reviewer sees both. Only when the written house exists in the postcode's town (a
        number the street lacks may be a new house past its end), and when the swapped
        house has the flat written, if any."""
        index = self.index
        held = index.postcode_numbers.get((parsed.postcode, street), ())
        if number in held:
            return
        towns = {index.lpis[position].town for position in found}
        flat = _premise(premise)[0]
        for other in sorted(held):
            if not _swapped_digits(number, other):
                continue
            read = (*found_street, (f"the house number read with two digits swapped ({number} written for {other})",
                                    -W_NUMBER_SWAPPED))
            for position in index.by_number.get((street, other), ()):
                lpi = index.lpis[position]
                if lpi.postcode == parsed.postcode and lpi.town in towns and lpi.sao == flat:
                    self._score(parsed, position, premise, after, other, end, scored, read, swapped=True)

    def _score(self, parsed: _Parsed, position: int, premise: list[str], after: list[str], number: str,
               end: int, scored: list[_Scored], found_street: tuple[_Evidence, ...], *, swapped: bool = False) -> None:
        """Weigh one candidate LPI; candidates the structure rules out are not kept."""
        index = self.index
        lpi = index.lpis[position]
        evidence = list(found_street)
        if number:
            evidence.append(("the house number", W_NUMBER))
        if lpi.pao_text:
            at = _find(premise, lpi.pao_text)
            if at >= 0:
                premise = premise[:at] + premise[at + len(lpi.pao_text):]
                evidence.append(("the building's name", W_BUILDING if number else W_BUILDING_ONLY))
            elif number:
                evidence.append(("the building's name is not written", -1.0))
            else:
                return
        elif not number:
            return
        if not number and lpi.pao_number:
            evidence.append(("the house number is not written", -2.0))
        sao, room, junk = _premise(premise)
        if sao == lpi.sao:
            if sao:
                evidence.append(("the flat", W_SAO))
        elif lpi.sao and not sao:
            return
        elif sao and not lpi.sao:
            if lpi.uprn in index.parents:
                return
            evidence.append(("a flat the gazetteer does not hold there", -4.0))
        else:
            return
        if room and not lpi.sao:
            evidence.append(("a room the gazetteer does not hold", -0.5))
        other_building = next((" ".join(name) for name in index.named.get(lpi.street, {})
                               if name != lpi.pao_text and _find(junk, name) >= 0), None)
        if other_building:
            # "Flat 2, Lister Point, 4 Wordsworth Drive", Lister Point being 14: the name
            # says another house than the number does, and nothing says which is wrong.
            evidence.append((f"the name of another building on the street ({other_building}): the number or the "
                             "name is wrong", -W_OTHER_BUILDING))
        elif junk:
            evidence.append((f"words the gazetteer does not have there ({' '.join(junk)})",
                             -min(2.0 * len(junk), 6.0)))
        places, place_clean = self._places(after, lpi)
        evidence += places
        postcode = _postcode_evidence(parsed, lpi, index)
        if postcode is not None:
            evidence.append(postcode[:2])
        as_written = ((postcode is None or postcode[2]) and all(bits >= 0 for _what, bits in evidence)
                      and found_street == (("the street", W_STREET),)
                      and " ".join(parsed.words[:end]) == lpi.normalised)
        scored.append(_Scored(tuple(evidence), position, as_written and place_clean, as_written, swapped))

    def _places(self, after: list[str], lpi: _Lpi) -> tuple[list[_Evidence], bool]:
        """Weigh what follows the street: localities and towns, known or not. What
        counts against the candidate here counts 12 bits at most."""
        if not after:
            return [], True
        index = self.index
        evidence: list[_Evidence] = []
        clean, at = True, 0
        longest = index.longest_place
        own = (*lpi.locality, *lpi.town)
        misspelt_own = False
        unknown: list[str] = []  # the run of words the gazetteer does not know as a place
        unknown_until = -1  # and where it ends
        while at < len(after):
            for size in range(min(longest, len(after) - at), 0, -1):
                place = tuple(after[at:at + size])
                if place in index.places:
                    written = " ".join(place)
                    if place == lpi.locality:
                        evidence.append((f"the locality ({written})", 2.0))
                    elif place == lpi.town:
                        evidence.append((f"the town ({written})", 1.0))
                    elif index.places[place] == "town":
                        evidence.append((f"another town ({written})", -W_OTHER_TOWN))
                        clean = False
                    else:
                        evidence.append((f"another locality ({written})", -4.0))
                        clean = False
                    at += size
                    break
            else:
                clean = False
                size, own_place = self._misspelt_own_place(after, at, lpi)
                written = " ".join(after[at:at + size])
                if size and own_place:
                    # "Souf Sarah" or "S Janike": the candidate's own place of two words
                    # or more, misspelt.
                    if not misspelt_own:
                        evidence.append((f"a misspelling of its town or locality ({written})", 1.0))
                    misspelt_own = True
                    at += size
                    continue
                if size:
                    # "West Kilbride" for a candidate in East Kilbride: another place.
                    evidence.append((f"another place ({written})", -8.0))
                    at += size
                    continue
                word = after[at]
                at += 1
                if is_number(word):
                    evidence.append((f"a number after the street ({word})", -6.0))
                elif _near_any(word, own):
                    # A misspelt town or locality of the candidate's own counts as the town.
                    if not misspelt_own:
                        evidence.append((f"a misspelling of its town or locality ({word})", 1.0))
                    misspelt_own = True
                else:
                    other = self._other_place(word)
                    if other[1] != -W_UNKNOWN_PLACE:
                        evidence.append(other)
                    elif unknown and unknown_until == at - 1:
                        # "North Marlshire", "West Sussex": the words of one place the
                        # gazetteer does not know count once.
                        unknown.append(word)
                        evidence[-1] = (f"words the gazetteer does not know as a place ({' '.join(unknown)})",
                                        -W_UNKNOWN_PLACE)
                    else:
                        unknown = [word]
                        evidence.append(other)
                    unknown_until = at if other[1] == -W_UNKNOWN_PLACE else -1
        if sum(bits for _what, bits in evidence) < -12.0:
            against = [what for what, bits in evidence if bits < 0]
            evidence = [(f"places after the street that are not its own ({'; '.join(against)})", -12.0)]
        return evidence, clean

    def _misspelt_own_place(self, after: list[str], at: int, lpi: _Lpi) -> tuple[int, bool]:
        """How many words from ``at`` (two or more) spell the candidate's town or
        locality with a slip or two (0 if none), and whether it is that place: a compass
        point other than the place's own, with the rest of its name ("West Kilbride" for
        East Kilbride), names another place, not a misspelling."""
        for size in range(min(self.index.longest_place + 1, len(after) - at), 1, -1):
            written = after[at:at + size]
            for place in (lpi.locality, lpi.town):
                if not place:
                    continue
                if written[0] in _COMPASS and place[0] in _COMPASS and written[0] != place[0]:
                    if _near_any("".join(written[1:]), ("".join(place[1:]),)) or written[1:] == list(place[1:]):
                        return size, False
                    continue
                if _near_any("".join(written), self.index.place_spellings[place]):
                    return size, True
        return 0, True

    def _writes_street(self, words: list[str], street: tuple[str, ...]) -> bool:
        """Whether the address writes ``street``, word after word, spelt right or nearly.

        Its last word (the kind: "Road", "Vista") may be left out, but only when what
        follows the name is a place or nothing: "12 Sycamore, Tollerby" writes Sycamore
        Road, "12 Sycamore Lock" does not.
        """
        name, kind = (street[:-1], street[-1]) if len(street) > 1 else (street, "")
        for start in range(len(words) - len(name) + 1):
            if not all(_same_word(token, words[start + at]) for at, token in enumerate(name)):
                continue
            following = start + len(name)
            if not kind or (following < len(words) and _same_word(kind, words[following])):
                return True
            # Another kind written ("24 Adams Street" for Adams Gardens) is another street,
            # even where the kind's word could start a place ("ST" of "St Ives").
            if following == len(words) or (self._is_place(words[following]) and words[following] not in _KIND_CODES):
                return True
        return False

    def _is_place(self, word: str) -> bool:
        return word in self.index.place_words or bool(self.index.near_places.find(word))

    def _other_place(self, word: str) -> _Evidence:
        """What an unknown word after the street costs: most when it is another town, misspelt."""
        kinds = {self.index.places[place] for place, _slips in self.index.near_places.find(word)}
        if "town" in kinds:
            return f"a misspelling of another town ({word})", -8.0
        if kinds:
            return f"a misspelling of another locality ({word})", -4.0
        return f"a word the gazetteer does not know as a place ({word})", -W_UNKNOWN_PLACE

    def _decide(self, scored: list[_Scored], parsed: _Parsed) -> Outcome:
        index = self.index
        best_by_uprn: dict[str, _Scored] = {}
        for item in scored:
            uprn = index.lpis[item.lpi].uprn
            held = best_by_uprn.get(uprn)
            if held is None or (item.weight, item.exact) > (held.weight, held.exact):
                best_by_uprn[uprn] = item
        ranked = sorted(best_by_uprn.items(), key=lambda pair: (-pair[1].weight, pair[0]))
        uprn, best = ranked[0]
        runner = ranked[1] if len(ranked) > 1 else None
        outcome = Outcome("unmatched", uprn=uprn, score=score_of(best.weight), method="probabilistic")
        if runner is not None:
            outcome.runner_up_uprn, outcome.runner_up_score = runner[0], score_of(runner[1].weight)
        if best.exact and (runner is None or not runner[1].exact) and len(index.exact[index.lpis[best.lpi].normalised]) == 1:
            outcome.status, outcome.method, outcome.score = "matched", "exact", 1.0
            outcome.reason = "the address is the gazetteer's, word for word, " + (
                "and so is the postcode" if parsed.postcode else
                "and so is the postcode's outward code" if parsed.outward else "and it has no postcode")
            return outcome
        lpi = index.lpis[best.lpi]
        if uprn in index.parents and _more_than_the_building(parsed.words):
            outcome.reason = (f"the best candidate, {lpi.text}, is a building divided into flats, and the address "
                              "writes more than the building (a flat, a floor or a name): which flat is not clear")
            return outcome
        if best.weight < MATCH_MIN:
            outcome.reason = f"the best candidate, {lpi.text}, is too weak a match: {_weighed(best)}"
            if parsed.postcode and parsed.postcode.split(" ")[0] not in index.outwards:
                outcome.reason = f"the postcode {parsed.postcode} is outside the gazetteer's area; " + outcome.reason
            return outcome
        written_kind = [u for u, item in ranked if not item.other_kind and not item.swapped and item.weight >= MATCH_MIN]
        if best.other_kind and written_kind:
            # The street written is elsewhere, with the number; the postcode holds the number
            # on a street of that name and another kind: the kind or the postcode is wrong.
            written = written_kind[0]
            return _to_review(outcome, [uprn, written], written, best_by_uprn, (
                f"the street's kind or the postcode is wrong, and nothing says which: the postcode {parsed.postcode} "
                f"holds {lpi.text}, on a street of another kind; the street written has "
                f"{index.lpis[best_by_uprn[written].lpi].text}, in another postcode"))
        if best.swapped:
            swaps = [u for u, item in ranked if item.swapped and best.weight - item.weight < MARGIN]
            written = next((u for u, item in ranked if not item.swapped and index.lpis[item.lpi].street == lpi.street),
                           None)
            return _to_review(outcome, [*swaps, *([written] if written else [])], written, best_by_uprn, (
                f"the number or the postcode is wrong, and nothing says which: the postcode {parsed.postcode} holds "
                + " and ".join(index.lpis[best_by_uprn[u].lpi].text for u in swaps)
                + ", the number written with two digits swapped"
                + (f"; the number written is {index.lpis[best_by_uprn[written].lpi].text}, in another postcode"
                   if written else "")))
        close = [u for u, item in ranked if best.weight - item.weight < MARGIN]
        if _more_than_the_building(parsed.words):
            # A building divided into flats is never the match here (step 5), so it ties
            # with nothing ("Coronation Mansions Flat 5, Heron Road", the block being 5).
            close = [u for u in close if u not in index.parents]
        if len(close) > 1 and not _names_a_flat(parsed.words):
            homes = [u for u in close if u not in index.parents and u not in index.not_homes]
            if len(homes) == 1:
                others = [u for u in close if u != homes[0]]
                outcome.status = "matched"
                if homes[0] != uprn:
                    outcome.runner_up_uprn, outcome.runner_up_score = uprn, outcome.score
                    outcome.uprn, outcome.score = homes[0], score_of(best_by_uprn[homes[0]].weight)
                outcome.reason = (
                    f"matched to the only home among {len(close)} addresses that fit as well: the others "
                    f"({', '.join(others[:3])}) are buildings divided into flats or not homes"
                )
                return outcome
        written = [u for u in close if best_by_uprn[u].as_written]
        if len(close) > 1 and len(written) == 1:
            chosen, chosen_lpi = written[0], index.lpis[best_by_uprn[written[0]].lpi]
            if len(index.exact[chosen_lpi.normalised]) == 1:
                outcome.status = "matched"
                if chosen != uprn:
                    outcome.runner_up_uprn, outcome.runner_up_score = uprn, outcome.score
                    outcome.uprn, outcome.score = chosen, score_of(best_by_uprn[chosen].weight)
                outcome.reason = (
                    f"matched to the only one of {len(close)} addresses that fit as well that the address writes "
                    f"word for word, {chosen_lpi.text}; the others need words it does not have"
                )
                return outcome
        if len(close) > 1:
            outcome.status = "ambiguous"
            outcome.tied = close
            outcome.reason = (
                f"{len(close)} addresses fit about as well ({', '.join(close[:4])}): "
                + _why_tied(parsed, [(u, best_by_uprn[u]) for u in close])
            )
            return outcome
        outcome.status = "matched"
        outcome.reason = f"matched {_weighed(best)}"
        return outcome

    # The engine's pass ------------------------------------------------------------------

    def _engine_pass(self, leftovers: list[tuple[int, _Parsed]], outcomes: list[Outcome | None]) -> None:
        if self.engine is None:
            for position, parsed in leftovers:
                outcomes[position] = Outcome("unmatched", reason=parsed.why_no_candidate())
            return
        messy = [
            EngineAddress(str(position), " ".join(parsed.words), parsed.postcode)
            for position, parsed in leftovers
        ]
        proposals = self.engine.candidates(self.index.engine_addresses(), messy, top=3)
        for position, parsed in leftovers:
            outcomes[position] = self._check_engine(parsed, proposals.get(str(position), []))

    def _check_engine(self, parsed: _Parsed, proposals) -> Outcome:
        """Keep the engine's candidates that fit the address's structure; decide on them."""
        if not proposals:
            return Outcome("unmatched", reason=f"{parsed.why_no_candidate()}, and the probabilistic engine "
                                               "found no candidate")
        index = self.index
        numbers, sao_words = _numbers(parsed.words)
        fitting: list[tuple[str, float]] = []
        rejected = ""
        for proposal in proposals:
            lpi = index.lpis[int(proposal.id)]
            flat_numbers = {word for word in lpi.sao if is_number(word)}
            names_building = bool(lpi.pao_text) and _find(parsed.words, lpi.pao_text) >= 0
            writes_street = self._writes_street(parsed.words, lpi.street)
            # A flat of a named block, or a named house in its own full postcode, may leave
            # out the street and the building's number ("Flat 5, Wood Point" for Flat 5,
            # Wood Point, 9 Devonshire Place; "Meadow View, Stowford, LN23 4JS").
            by_name = names_building and not writes_street and (bool(lpi.sao) or parsed.postcode == lpi.postcode)
            if numbers != flat_numbers | ({lpi.pao_number} if lpi.pao_number else set()) and not (
                    by_name and numbers == flat_numbers):
                rejected = rejected or f"the engine's best candidate, {lpi.text}, has other numbers"
                continue
            if lpi.sao and not sao_words and not (set(lpi.sao) & numbers):
                rejected = rejected or f"the engine's best candidate, {lpi.text}, is a flat the address does not name"
                continue
            if lpi.sao and lpi.pao_text and not lpi.pao_number and not names_building:
                # "4 Sorrel Road" is not flat 4 of a block on Sorrel Road the address does not name.
                rejected = rejected or (f"the engine's best candidate, {lpi.text}, is a flat in a building the "
                                        "address does not name")
                continue
            if lpi.uprn in index.parents and _more_than_the_building(parsed.words):
                rejected = rejected or (f"the engine's best candidate, {lpi.text}, is a building divided into flats, "
                                        "and the address writes more than the building")
                continue
            if not writes_street and not by_name:
                rejected = rejected or f"the engine's best candidate, {lpi.text}, is on a street the address does not name"
                continue
            postcode = _postcode_evidence(parsed, lpi, index)
            postcode_weight = postcode[1] if postcode else 0.0
            if postcode_weight <= -6.0:
                rejected = rejected or f"the engine's best candidate, {lpi.text}, is in another postcode area"
                continue
            if all(uprn != lpi.uprn for uprn, _ in fitting):
                fitting.append((lpi.uprn, proposal.weight + postcode_weight))
        if not fitting:
            return Outcome("unmatched", reason=rejected or "no candidate fits the address")
        fitting.sort(key=lambda pair: -pair[1])
        uprn, weight = fitting[0]
        outcome = Outcome("unmatched", uprn=uprn, score=_engine_score(weight), method="probabilistic")
        if len(fitting) > 1:
            outcome.runner_up_uprn, outcome.runner_up_score = fitting[1][0], _engine_score(fitting[1][1])
        if weight < ENGINE_MIN and len(proposals) == 1 and weight >= ENGINE_SOLE_MIN:
            outcome.status = "matched"
            outcome.reason = (f"matched by the probabilistic engine's only candidate ({weight:.0f}); its numbers "
                              "and postcode area agree")
        elif weight < ENGINE_MIN:
            outcome.reason = f"the probabilistic engine's best candidate is weak ({weight:.0f})"
        elif len(fitting) > 1 and weight - fitting[1][1] < ENGINE_MARGIN:
            outcome.status = "ambiguous"
            outcome.tied = [uprn for uprn, w in fitting if weight - w < ENGINE_MARGIN]
            outcome.reason = "the probabilistic engine's two best candidates are too close to call"
        else:
            outcome.status = "matched"
            outcome.reason = "matched by the probabilistic engine; its numbers and postcode area agree"
        return outcome


def _weighed(scored: _Scored) -> str:
    """The evidence a candidate's weight is the sum of, in words: what agrees with the
    address, then what counts against it."""
    agreed = [what for what, bits in scored.evidence if bits > 0]
    against = [what for what, bits in scored.evidence if bits < 0]
    text = "on " + (", ".join(agreed[:-1]) + " and " + agreed[-1] if len(agreed) > 1 else agreed[0])
    if against:
        text += "; against it: " + "; ".join(against)
    return f"{text} ({scored.weight:.0f} bits of evidence)"


def _same_word(token: str, word: str) -> bool:
    """Whether an address's ``word`` is the gazetteer's ``token``, as written, as a street kind, or misspelt."""
    return token == word or token == _street_kind(word) or _near_any(word, (token,))


@lru_cache(maxsize=8192)
def _street_kind(word: str) -> str:
    """A street kind in its one spelling, even misspelt ("RAOD" is RD); other words as they are."""
    if word in _STREET_KINDS or word in _KIND_CODES:
        return _STREET_KINDS.get(word, word)
    for long_form, count in _KIND_NAMES.find(word):
        if count <= 1:
            return _STREET_KINDS[long_form]
    clipped = _KIND_CLIPPED.get(word, ())
    return next(iter(clipped)) if len(clipped) == 1 else word


def _engine_score(weight: float) -> float:
    return round(1.0 / (1.0 + 2.0 ** (-(weight - 5.0) / 3.0)), 4)


def _strip_noise(words: list[str]) -> list[str]:
    while words:
        if " ".join(words[-2:]) in _TRAILING_NOISE and len(words) > 2:
            words = words[:-2]
        elif words[-1] in _TRAILING_NOISE:
            words = words[:-1]
        else:
            break
    return words


def _find(words: Sequence[str], part: tuple[str, ...]) -> int:
    """Where ``part`` occurs in ``words`` (the last place), or -1."""
    if not part:
        return -1
    size = len(part)
    for at in range(len(words) - size, -1, -1):
        if tuple(words[at:at + size]) == part:
            return at
    return -1


def _premise(words: list[str]) -> tuple[tuple[str, ...], str, list[str]]:
    """(the flat's identifier, a room number, words that are neither) before the number."""
    sao: list[str] = []
    junk: list[str] = []
    room = ""
    at = 0
    while at < len(words):
        word = words[at]
        if word == "ROOM" and at + 1 < len(words) and is_number(words[at + 1]):
            room = words[at + 1]
            at += 2
            continue
        if word in _SAO_WORDS or word in FLOOR_WORDS or is_number(word) or _FLAT_LETTER.match(word) \
                or (len(word) == 1 and word.isalpha()):
            sao.append(word)
        else:
            junk.append(word)
        at += 1
    return sao_key(sao), room, junk


def _flat_words(after: list[str]) -> int:
    """How many of the words after a street name a flat ("FLAT 1", "FIRST FLOOR FLAT",
    "UNIT 3"): 0 when they do not start with one."""
    at = 0
    while at < len(after) and after[at] in FLOOR_WORDS:
        at += 1
    if at < len(after) and after[at] in _SAO_WORDS:
        at += 1
        if at < len(after) and (is_number(after[at]) or (len(after[at]) == 1 and after[at].isalpha())):
            at += 1
    return at if at and (after[at - 1] not in FLOOR_WORDS or after[at - 1] == "FLOOR") else 0


def _numbers(words: list[str]) -> tuple[set[str], bool]:
    """The numbers in an address (not rooms), and whether it names a flat."""
    numbers: set[str] = set()
    flat = False
    for at, word in enumerate(words):
        if word in _SAO_WORDS:
            flat = True
        if is_number(word) and not (at and words[at - 1] == "ROOM"):
            numbers.add(word)
    return numbers, flat


def _names_a_flat(words: list[str]) -> bool:
    numbers, flat = _numbers(words)
    return flat or len(numbers) > 1 or any(word in FLOOR_WORDS for word in words)


def _more_than_the_building(words: list[str]) -> bool:
    """Whether an address writes more than a building's number and street: a flat, a
    floor, or words before the number ("FFF, 9 Yarrow Close", "Flat B" after the street).
    Such an address is someone's flat, never the building that holds the flats."""
    return _names_a_flat(words) or (bool(words) and not is_number(words[0]))


def _postcode_evidence(parsed: _Parsed, lpi: _Lpi, index: GazetteerIndex) -> tuple[str, float, bool] | None:
    """Evidence from the postcode, and whether it agrees exactly; None without one."""
    if parsed.postcode:
        if parsed.postcode == lpi.postcode:
            return "the postcode", W_POSTCODE, True
        outward = parsed.postcode.split(" ")[0]
        if outward == lpi.outward and lpi.street in index.postcode_streets.get(parsed.postcode, ()):
            # The number says one house and the postcode another part of the same street:
            # the postcode slipped (one character off), or the number did (the postcode
            # holds 21 or 18 where 12 or 8 is written). It counts against the house when
            # the number could be the slip, or the postcode could not be; otherwise it is
            # weighed as any slipped postcode is.
            held = index.postcode_numbers.get((parsed.postcode, lpi.street), ())
            if slips(parsed.postcode, lpi.postcode, 1) > 1 or any(
                    _number_slip(lpi.pao_number, other) for other in held):
                return (f"the postcode of another part of the street ({parsed.postcode}): the number or "
                        "the postcode is wrong"), -6.0, False
        if outward == lpi.outward:
            same_sector = parsed.postcode[:-2] == lpi.sector
            if parsed.postcode not in index.postcodes:
                return (f"a postcode the gazetteer does not hold, in its {'sector' if same_sector else 'outward code'} "
                        f"({parsed.postcode})"), (-1.0 if same_sector else -2.0), False
            return (f"another postcode in its {'sector' if same_sector else 'outward code'} ({parsed.postcode})",
                    (-1.5 if same_sector else -3.0), False)
        if parsed.postcode not in index.postcodes and slips(parsed.postcode, lpi.postcode, 1) == 1:
            # "TF29 7PX" or "TF20 6FN" for TF23 7PX or TF23 6FN: a slip in the outward
            # code, giving a postcode the gazetteer does not hold.
            return f"its postcode with a slip in the outward code ({parsed.postcode})", -2.0, False
        if outward in index.outwards:
            return f"a postcode of another part of the area ({parsed.postcode})", -6.0, False
        return f"a postcode outside the gazetteer's area ({parsed.postcode})", -12.0, False
    if parsed.outward:
        if parsed.outward == lpi.outward:
            return "the postcode's outward code", 3.0, True
        return f"another outward code ({parsed.outward})", -6.0, False
    return None


def _sounding(name: Sequence[str], kind: str, index: GazetteerIndex) -> set[tuple[str, ...]]:
    """Streets of ``kind`` whose name sounds like ``name`` and is at most two slips from
    it ("Lavenda" for Lavender, "Bieron" for Byron): the sound alone drops every vowel,
    and would read "Wilkie Road", a street the gazetteer lacks, as Walker Road."""
    heard = _heard((*name, kind))
    if heard is None:
        return set()
    written = "".join(name)
    return {street for street in index.street_sounds.get(heard, ())
            if slips(written, "".join(street[:-1]), 2) <= 2}


def _heard(street: Sequence[str]) -> tuple[str, str] | None:
    """A street's name as it sounds, with its kind, when it has a kind and a name that
    sounds like few others (four letters or more, three sounds or more)."""
    if len(street) < 2 or street[-1] not in _KIND_CODES:
        return None
    name = "".join(street[:-1])
    heard = sound_key(name)
    return (heard, street[-1]) if len(name) >= 4 and len(heard) >= 3 else None


def _number_slip(written: str, other: str) -> bool:
    """Whether ``other`` is the house number ``written`` with a digit dropped or added, two
    neighbouring digits swapped, or its letter dropped or added (8 for 18, 12 for 21, 12A
    for 12). Not a digit changed: houses are numbered in order, so a postcode next along
    the street nearly always holds a number one digit from any other, and a slip in the
    postcode's last letter would be read as one in the number."""
    if not written or written == other:
        return False
    written, other = written.rstrip(_LETTERS), other.rstrip(_LETTERS)
    if written == other:
        return True
    if abs(len(written) - len(other)) == 1:
        short, long = sorted((written, other), key=len)
        return any(long[:at] + long[at + 1:] == short for at in range(len(long)))
    return _swapped_digits(written, other)


def _swapped_digits(written: str, other: str) -> bool:
    """Whether ``other`` is the house number ``written`` with two neighbouring digits
    swapped (21 for 12, 173 for 137), the commonest slip in typing a number."""
    return len(written) == len(other) and slips(written, other, 1) == 1 and sorted(written) == sorted(other)


def _near_any(word: str, candidates: Iterable[str]) -> bool:
    """Whether ``word`` is a misspelling of any: a slip, or two in a long name, or
    written as it sounds ("Tollaby" for Tollerby, its "r" not heard)."""
    if len(word) < 4:
        return False
    for other in candidates:
        limit = min(allowed_slips(word), allowed_slips(other))
        if slips(word, other, limit) <= limit or sounds_alike(word, other):
            return True
    return False


def _to_review(outcome: Outcome, tied: list[str], written: str | None, best_by_uprn: dict[str, _Scored],
               reason: str) -> Outcome:
    """``outcome`` made ambiguous between ``tied`` for the reason given, with the reading
    of the address as written (if there is one) as the runner-up, which the review list
    shows beside the best: where the number, the kind or the postcode is wrong and
    nothing says which."""
    outcome.status, outcome.tied, outcome.reason = "ambiguous", tied, reason
    if written is not None:
        outcome.runner_up_uprn, outcome.runner_up_score = written, score_of(best_by_uprn[written].weight)
    return outcome


def _why_tied(parsed: _Parsed, tied: list[tuple[str, _Scored]]) -> str:
    """Why the addresses that fit about as well could not be told apart: what counts against
    each, when that differs (one lacks the building's name written, another the postcode),
    or what the address lacks."""
    against = [(uprn, [what for what, bits in item.evidence if bits < 0]) for uprn, item in tied]
    if len({tuple(whats) for _uprn, whats in against}) > 1:
        return "each has something else against it: " + "; ".join(
            f"{uprn}, {', '.join(whats) or 'nothing'}" for uprn, whats in against[:4])
    if not parsed.postcode and not parsed.outward:
        return "the address has no postcode to tell them apart"
    return "neither the postcode nor the place tells them apart"


__all__ = ["AddressInput", "GazetteerEntry", "GazetteerIndex", "MARGIN", "MATCH_MIN", "Matcher", "Outcome",
           "score_of", "sao_key"]
