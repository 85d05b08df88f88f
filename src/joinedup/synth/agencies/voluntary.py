"""The voluntary and community sector hub: self-referrals, kept in a spreadsheet.

Saved from Excel as Windows-1252 with CRLF line ends, so a name with a letter outside
that code page arrives as "?", apostrophes have been "corrected" to ’, and the notes
carry £ signs and dashes. People give the name they go by, in one column and forename
first; the address is whatever they said, on one line, usually without a
postcode; a date of birth only sometimes, an approximate age more often. The same
person often refers themselves again later and gets a new reference. The domestic-abuse
outreach team's IDVA marks a victim whose case the MARAC heard, with the conference's date.
"""

from __future__ import annotations

from datetime import timedelta

from joinedup.synth.agencies.base import (
    Encounters,
    Extract,
    PlaceContext,
    Sheet,
    agency_rng,
    dmy,
    iso,
    pick_worker,
    random_date,
)
from joinedup.synth.geography import EXTRACT_DATE
from joinedup.synth.population import Neighbourhood
from joinedup.synth.recording import Habits, address_lines, case_noise, one_line, record_person

EXTRACT = Extract(
    source="voluntary",
    file="extracts/voluntary_referrals.csv",
    format="csv",
    encoding="cp1252",
    line_terminator="\r\n",
    columns=(
        "Ref", "Date Referred", "Name", "DOB", "Age", "Address", "Postcode", "Phone", "Email",
        "Need", "Notes", "Key Worker", "Team", "Key Worker Phone", "Key Worker Email",
        "Consent To Share", "How Heard", "MARAC", "MARAC Date",
    ),
)
HABITS = Habits(
    typo=0.04, nickname=0.35, case_noise=0.0, drop_middle_names=1.0, swap_day_month=0.03,
    missing_dob=0.65, impossible_dob=0.0, stale_address=0.2, abbreviate=0.45, drop_locality=0.5,
    missing_postcode=0.6, postcode_typo=0.02, misspelt_address=0.06, missing_phone=0.3, missing_email=0.65, duplicate=0.06,
)
NEEDS = {
    "Food bank": ("Food Bank", 22), "Debt advice": ("Debt Advice", 16), "Benefits advice": ("Debt Advice", 10),
    "Mental health support": ("Wellbeing Hub", 14), "Befriending": ("Befriending", 8),
    "Housing advice": ("Family Support", 8), "Family support": ("Family Support", 12),
    "Carers support": ("Family Support", 4), "Domestic abuse support": ("Domestic Abuse Outreach", 6),
}
NOTES = {
    "Food bank": ("Voucher for 3 days – family of {size}", "Ran out of money before payday", ""),
    "Debt advice": ("Owes approx £{amount} on catalogue and council tax", "Bailiff letter – worried", ""),
    "Benefits advice": ("UC sanction – £{amount} short this month", "Help with PIP form", ""),
    "Mental health support": ("Low mood – on GP waiting list", "Anxiety, not leaving house", ""),
    "Befriending": ("Lives alone – no visitors", "Would like weekly phone call", ""),
    "Housing advice": ("Landlord’s notice received", "Damp and mould – £{amount} repairs owed", ""),
    "Family support": ("Struggling with teenager’s behaviour", "Help with school runs", ""),
    "Carers support": ("Caring for mum – exhausted", "Respite needed", ""),
    "Domestic abuse support": ("Do not contact at home – use mobile only", "Safe to call after 2pm", ""),
}
#: The share of the MARAC's cases the outreach team's record of the victim marks.
MARAC_KNOWN = 0.8
HOW_HEARD = ("GP", "School", "Jobcentre", "Friend or family", "Social media", "Police", "Walk-in", "Council")


def records(hood: Neighbourhood, place: PlaceContext, encounters: Encounters) -> Sheet:
    rng = agency_rng(place.seed, hood, EXTRACT.source)
    marac_rng = agency_rng(place.seed, hood, "voluntary:marac")  # its own stream: other columns keep theirs
    refs = place.local_ids(EXTRACT.source, "VR")
    workers = place.services.key_workers
    needs = list(NEEDS)
    weights = [weight for _, weight in NEEDS.values()]
    sheet = Sheet(EXTRACT)
    for household in hood.households:
        for person in household.members:
            if person.age < 16:
                continue
            chance = 0.004 + 0.04 * household.adversity
            if household.kind == "single_older":
                chance += 0.01
            victim = person.index in encounters.domestic_abuse_victims
            if victim:
                chance += 0.2
            if rng.random() >= chance:
                continue
            need = "Domestic abuse support" if victim and rng.random() < 0.6 else rng.choices(needs, weights)[0]
            copies = 2 if rng.random() < HABITS.duplicate else 1
            for copy in range(copies):
                referred = random_date(rng, EXTRACT_DATE - timedelta(days=730), EXTRACT_DATE - timedelta(days=1))
                recorded = record_person(person, HABITS, rng, referred)
                lines, _ = address_lines(recorded, HABITS, rng)
                address = one_line(lines, recorded.lpi.town if rng.random() < 0.4 else "")
                extra: list[str] = ["duplicate"] if copy else []
                if rng.random() < 0.3:
                    address = address.lower()
                if rng.random() < 0.2:
                    address = address.replace(",", "")
                name = f"{recorded.forename} {recorded.surname}"
                if "'" in name and rng.random() < 0.6:
                    name = name.replace("'", "’")
                    extra.append("punctuation")
                address = address.replace("'", "’")
                if rng.random() < 0.2:
                    name = case_noise(name, rng)
                    extra.append("case_or_spacing")
                if not _encodes(name):
                    extra.append("encoding_loss")
                age = ""
                if recorded.dob is None and rng.random() < 0.55:
                    age = str(max(16, int(person.age) + rng.choice((-1, 0, 0, 0, 1))))
                team, _ = NEEDS[need]
                note = rng.choice(NOTES[need]).format(size=rng.randint(2, 6), amount=rng.randrange(80, 3000, 10))
                worker = pick_worker(rng, workers, team)
                local_id = refs(person.index, copy)
                heard = encounters.marac_cases.get(person.index) if need == "Domestic abuse support" else None
                if marac_rng.random() >= MARAC_KNOWN:
                    heard = None
                row = (
                    local_id, dmy(referred), name, dmy(recorded.dob), age, address, recorded.postcode,
                    recorded.phone, recorded.email, need, note, worker.name, worker.team, worker.phone, worker.email,
                    "Y" if rng.random() < 0.8 else "N", rng.choice(HOW_HEARD), "Y" if heard else "", dmy(heard),
                )
                sheet.add(row, local_id, "", person, recorded, tuple(extra))
                if need == "Domestic abuse support":
                    sheet.flag(local_id, "", person, "domestic_abuse_victim", iso(referred))
                if heard:
                    sheet.flag(local_id, "", person, "marac_case", iso(heard))
    return sheet


def _encodes(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
