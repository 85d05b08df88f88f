"""The uk-address-matcher adapter, run for real on a handful of addresses (offline)."""

from joinedup.gazetteer.engine import EngineAddress, UkAddressMatcherEngine

GAZETTEER = [
    EngineAddress("0", "10 High Street, Old Town, Joinford", "JU1 1AA"),
    EngineAddress("1", "12 High Street, Old Town, Joinford", "JU1 1AA"),
    EngineAddress("2", "Flat 2, 10 High Street, Old Town, Joinford", "JU1 1AA"),
    EngineAddress("3", "5 Mill Lane, Millbrook, Joinford", "JU2 2BB"),
    EngineAddress("4", "7 Mill Lane, Millbrook, Joinford", "JU2 2BB"),
    EngineAddress("5", "Rose Cottage, High Street, Old Town, Joinford", "JU1 1AB"),
]


def test_the_engine_returns_ranked_candidates_by_our_ids():
    found = UkAddressMatcherEngine(threads=1).candidates(GAZETTEER, [
        EngineAddress("a", "12 Hihg Street Joinford", "JU1 1AA"),
        EngineAddress("b", "5 Mill Lne Millbrook", "JU2 2BB"),
        EngineAddress("c", "Flat 2, 10 Hihg Street", "JU1 1AA"),
    ], top=3)
    assert found["a"][0].id == "1"
    assert found["b"][0].id == "3"
    assert found["c"][0].id == "2"
    for candidates in found.values():
        weights = [candidate.weight for candidate in candidates]
        assert weights == sorted(weights, reverse=True)
        assert len({candidate.id for candidate in candidates}) == len(candidates)


def test_nothing_to_match_asks_the_engine_nothing():
    assert UkAddressMatcherEngine().candidates(GAZETTEER, []) == {}
