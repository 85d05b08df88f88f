"""The seven agencies' extracts, each in the agency's own format and with its own slips.

:func:`record_neighbourhood` runs every agency over one neighbourhood. Police go first:
who suffered domestic abuse shapes who is referred to children's social care and to the
voluntary sector, as it does in a real place.
"""

from __future__ import annotations

from joinedup.synth.agencies import csc, dwp, education, gp, housing, police, voluntary
from joinedup.synth.agencies.base import TRUTH_FLAG_COLUMNS, TRUTH_RECORD_COLUMNS, Encounters, Extract, PlaceContext, Sheet
from joinedup.synth.population import Neighbourhood

#: The extracts, in the order the manifest lists them.
EXTRACTS: tuple[Extract, ...] = (
    csc.EXTRACT, education.EXTRACT, gp.EXTRACT, police.EXTRACT, housing.EXTRACT, dwp.EXTRACT, voluntary.EXTRACT,
)


def record_neighbourhood(hood: Neighbourhood, place: PlaceContext) -> dict[str, Sheet]:
    """Every agency's rows (and their truth) for one neighbourhood, keyed by source code."""
    encounters = Encounters()
    sheets = {"police": police.records(hood, place, encounters)}
    sheets["csc"] = csc.records(hood, place, encounters)
    sheets["education"] = education.records(hood, place)
    sheets["gp"] = gp.records(hood, place)
    sheets["housing"] = housing.records(hood, place)
    sheets["dwp"] = dwp.records(hood, place)
    sheets["voluntary"] = voluntary.records(hood, place, encounters)
    return {extract.source: sheets[extract.source] for extract in EXTRACTS}


__all__ = ["EXTRACTS", "TRUTH_FLAG_COLUMNS", "TRUTH_RECORD_COLUMNS", "Extract", "PlaceContext", "Sheet", "record_neighbourhood"]
