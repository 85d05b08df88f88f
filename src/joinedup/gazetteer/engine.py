"""The probabilistic engine behind a small interface of ours, so that it can change.

:class:`AddressEngine` takes the gazetteer's addresses and some messy addresses and
returns, for each messy address, its best candidates with a weight. JoinedUp's matcher
(:mod:`joinedup.gazetteer.matching`) decides what to make of them; the engine never
decides a match by itself.

:class:`UkAddressMatcherEngine` is the Ministry of Justice's ``uk-address-matcher``: a
pretrained Splink model on DuckDB that works offline. Only this module imports it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EngineAddress:
    """One address put to an engine: an id of ours, the address text and the postcode."""

    id: str
    text: str
    postcode: str


@dataclass(frozen=True, slots=True)
class EngineCandidate:
    """A gazetteer address an engine proposes for a messy one, with its weight.

    ``weight`` is on the engine's own scale (for Splink, a match weight in bits); only
    comparisons between candidates of the same engine mean anything.
    """

    id: str
    weight: float


class AddressEngine(Protocol):
    """What JoinedUp needs from a probabilistic address matcher."""

    name: str

    def candidates(
        self, gazetteer: Sequence[EngineAddress], addresses: Sequence[EngineAddress], *, top: int = 2
    ) -> dict[str, list[EngineCandidate]]:
        """For each messy address id, up to ``top`` candidates, best first (absent: none)."""
        ...


class UkAddressMatcherEngine:
    """``uk-address-matcher``: exact stage then its pretrained Splink model.

    It runs in a private in-memory DuckDB connection with ``threads`` threads and
    returns the top candidates from Splink's ranked predictions, so that JoinedUp can
    see the runner-up as well as the winner.
    """

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit
        self.name = f"uk-address-matcher {version('uk-address-matcher')}"

    def candidates(
        self, gazetteer: Sequence[EngineAddress], addresses: Sequence[EngineAddress], *, top: int = 2
    ) -> dict[str, list[EngineCandidate]]:
        if not addresses or not gazetteer:
            return {}
        import duckdb
        import pandas as pd
        from uk_address_matcher import AddressMatcher

        logging.getLogger("uk_address_matcher").setLevel(logging.WARNING)
        logging.getLogger("splink").setLevel(logging.WARNING)
        con = duckdb.connect()
        try:
            if self.threads:
                con.execute(f"SET threads = {int(self.threads)}")
            if self.memory_limit:
                con.execute(f"SET memory_limit = '{self.memory_limit}'")
            canonical_frame = pd.DataFrame(
                {"unique_id": [a.id for a in gazetteer], "address_concat": [a.text for a in gazetteer],
                 "postcode": [a.postcode or None for a in gazetteer]}
            )
            messy_frame = pd.DataFrame(
                {"unique_id": [a.id for a in addresses], "address_concat": [a.text for a in addresses],
                 "postcode": [a.postcode or None for a in addresses]}
            )
            con.register("ju_canonical_frame", canonical_frame)
            con.register("ju_messy_frame", messy_frame)
            con.execute("CREATE TABLE ju_canonical AS SELECT * FROM ju_canonical_frame")
            con.execute("CREATE TABLE ju_messy AS SELECT * FROM ju_messy_frame")
            matcher = AddressMatcher(
                canonical_addresses=con.table("ju_canonical"),
                addresses_to_match=con.table("ju_messy"),
                con=con,
                show_progress="off",
            )
            with warnings.catch_warnings():
                # The library's own use of deprecated importlib APIs; nothing for our users.
                warnings.simplefilter("ignore", DeprecationWarning)
                result = matcher.match()
            return self._ranked(con, result, top)
        finally:
            con.close()

    @staticmethod
    def _ranked(con, result, top: int) -> dict[str, list[EngineCandidate]]:
        """The winners from the result, and the runners-up from Splink's ranked table."""
        out: dict[str, list[EngineCandidate]] = {}
        winners = result.matches().fetchall()
        columns = [column.lower() for column in result.matches().columns]
        at = {name: columns.index(name) for name in ("unique_id", "resolved_canonical_id", "match_weight")}
        for row in winners:
            messy, canonical = row[at["unique_id"]], row[at["resolved_canonical_id"]]
            if canonical is None:
                continue
            weight = row[at["match_weight"]]
            # The exact stage gives no weight: it is as sure as the engine gets.
            out[str(messy)] = [EngineCandidate(str(canonical), float(weight) if weight is not None else 50.0)]
        stage = getattr(result, "_splink_stage", None)
        table = getattr(stage, "best_matches_table", None) if stage is not None else None
        if table and top > 1:
            ranked = con.execute(
                f"""
                SELECT unique_id_r, unique_id_l, match_weight FROM {table}
                WHERE candidate_rank BETWEEN 2 AND {int(top)} AND unique_id_l IS NOT NULL
                ORDER BY unique_id_r, candidate_rank
                """
            ).fetchall()
            for messy, canonical, weight in ranked:
                listed = out.get(str(messy))
                if listed is not None and all(c.id != str(canonical) for c in listed):
                    listed.append(EngineCandidate(str(canonical), float(weight)))
        return out
