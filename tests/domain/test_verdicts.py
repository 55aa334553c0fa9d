"""Verdicts: status, resolved listing, corrections and their reasons, against a table of listings."""

import pytest

from enrich.domain.model import Tag
from enrich.domain.verdicts import judge
from tests.domain.refs import REF, SEC, TableReference


def tag(venue, symbol, company=None):
    return Tag(span=(0, 1), venue_key=venue, venue_text=venue, venue_span=(0, 1), symbol=symbol, symbol_span=(0, 1),
               group=1, company=company)


def fields(verdict):
    return [(c.field, c.old, c.new) for c in verdict.corrections]


@pytest.mark.parametrize("claim, status, exchange, symbol, corrections", [
    # Listed as written.
    (("NASDAQ", "MSFT", "Microsoft"), "valid", "NASDAQ", "MSFT", []),
    (("NASDAQ", "MSFT", None), "valid", "NASDAQ", "MSFT", []),
    # Symbol case.
    (("NASDAQ", "Meta", "meta"), "corrected", "NASDAQ", "META", [("symbol", "Meta", "META")]),
    # Five-letter Y on a US exchange, no exchange lists it: OTC.
    (("NASDAQ", "XIACY", "Xiaomi"), "corrected", "OTC", "XIACY", [("exchange", "NASDAQ", "OTC")]),
    # Moved venue, the attached name agrees; NYSE family reported as NYSE.
    (("NASDAQ", "IONQ", "IonQ"), "corrected", "NYSE", "IONQ", [("exchange", "NASDAQ", "NYSE")]),
    (("NASDAQ", "QBTS", "D-Wave Quantum Inc."), "corrected", "NYSE", "QBTS", [("exchange", "NASDAQ", "NYSE")]),
    (("NASDAQ", "QBTS", None), "corrected", "NYSE", "QBTS", [("exchange", "NASDAQ", "NYSE")]),
    # Within the family the SEC cannot split: valid, reported on the venue the article named.
    (("NYSE", "HUSA", "Houston American Energy Corp."), "valid", "NYSE", "HUSA", []),
    (("NYSE_AMERICAN", "HUSA", None), "valid", "NYSE American", "HUSA", []),
    # Class separators: every written form is accepted; a missing one is fixed.
    (("NYSE", "BRK.B", "Berkshire Hathaway"), "valid", "NYSE", "BRK.B", []),
    (("NYSE", "BRK/B", None), "valid", "NYSE", "BRK/B", []),
    (("NYSE", "BRK B", None), "valid", "NYSE", "BRK B", []),
    (("NYSE", "BRKB", None), "corrected", "NYSE", "BRK.B", [("symbol", "BRKB", "BRK.B")]),
    # A typo the attached name settles.
    (("NASDAQ", "APPL", "Apple Inc."), "corrected", "NASDAQ", "AAPL", [("symbol", "APPL", "AAPL")]),
    # The symbol is another company's, and the name finds nothing: no fix.
    (("NASDAQ", "IP", "IP Strategy"), "unknown", None, None, []),
    # Coverage: nothing covers TSX, so nothing is corrected there.
    (("TSX", "SHOP", "Shopify"), "unverified", "TSX", "SHOP", []),
    (("TSX", "ZZZZ", None), "unverified", "TSX", "ZZZZ", []),
    # Covered venue, absent everywhere: unknown; with a CUSIP it may be a fund: unverified.
    (("NASDAQ", "QQQQX", None), "unknown", None, None, []),
    (("NASDAQ", "SPYX", None), "unverified", "NASDAQ", "SPYX", []),
    # pytickersymbols positives on other venues.
    (("OTC", "BAYRY", "Bayer"), "valid", "OTC", "BAYRY", []),
    (("TSE", "7203", "Toyota"), "valid", "TSE", "7203", []),
    # A rename the SEC history records.
    (("NASDAQ", "FB", "Facebook"), "corrected", "NASDAQ", "META", [("symbol", "FB", "META")]),
    # Two equally close symbols for the named company: ambiguous.
    (("NASDAQ", "ABCF", "Abcd Holdings"), "ambiguous", None, None, []),
])
def test_verdicts(claim, status, exchange, symbol, corrections):
    verdict = judge(tag(*claim), REF)
    assert verdict.status == status, verdict
    assert (verdict.resolved.exchange if verdict.resolved else None) == exchange
    assert (verdict.resolved.symbol if verdict.resolved else None) == symbol
    assert fields(verdict) == corrections
    assert verdict.evidence, "every verdict says what it rests on"
    assert 0 < verdict.confidence <= 1


def test_rename_before_the_change_is_valid_at_the_article_date():
    verdict = judge(tag("NASDAQ", "FB", "Facebook"), REF, as_of="2021-03-01")
    assert verdict.status == "valid"
    assert verdict.resolved.symbol == "META"


def test_otc_correction_says_adr_and_why():
    verdict = judge(tag("NASDAQ", "XIACY", "Xiaomi"), REF)
    assert verdict.resolved.mic == "OTCM" and verdict.resolved.kind == "adr"
    assert "over the counter" in verdict.corrections[0].reason
    assert any(e.source == "cusip-tickers" for e in verdict.evidence)


def test_ambiguous_lists_candidates():
    verdict = judge(tag("NASDAQ", "ABCF", "Abcd Holdings"), REF)
    assert sorted(c.symbol for c in verdict.candidates) == ["ABCD", "ABCE"]


def test_listed_on_two_families_without_a_name_is_ambiguous():
    verdict = judge(tag("NYSE", "DUAL", None), REF)
    assert verdict.status == "ambiguous"
    assert {c.exchange for c in verdict.candidates} == {"NASDAQ", "OTC"}


def test_a_listed_symbol_of_another_company_is_fixed_only_by_a_near_miss_of_the_named_company():
    verdict = judge(tag("NASDAQ", "ABCE", "Acme Industries"), REF)
    assert verdict.status == "valid" and verdict.confidence < 0.7
    assert any("not 'Abcd Holdings'" in e.finding for e in verdict.evidence)
    fixed = judge(tag("NASDAQ", "AAPLE", "Apple Inc."), REF)
    assert fixed.status == "corrected" and fixed.resolved.symbol == "AAPL"


GUARDS = TableReference(
    rows=[
        ("LEXX", "NASDAQ", SEC, "Lexaria Bioscience Corp.", False),
        ("VZ", "NYSE", SEC, "VERIZON COMMUNICATIONS INC", True),
        ("VRNO", "OTC", SEC, "Verano Holdings Corp.", False),
        ("SOUL", "NYSE", SEC, "Soulpower Acquisition Corp", True),
        ("BMNR", "NYSE", SEC, "BITMINE IMMERSION TECHNOLOGIES, INC.", True),
    ],
    cusip=["LEXXW", "VRNOF", "SOULU"],
)


@pytest.mark.parametrize("claim, co_venues, status, note", [
    # Both venues named: the one-exchange-per-company list can't refute the second.
    (("NASDAQ", "VZ", "Verizon Communications Inc."), ("NYSE",), "unverified", "also names"),
    # Warrants and units of a listed company: not rewritten to the common stock.
    (("NASDAQ", "LEXXW", "Lexaria Bioscience"), (), "unverified", "warrants of LEXX"),
    (("NYSE", "SOULU", "Soulpower Acquisition Corporation"), (), "unverified", "units of SOUL"),
    (("NYSE", "SOUL.U", None), (), "unverified", "units of SOUL"),
    # A symbol with a CUSIP is a real security: no name-based rewrite (VRNOF is Verano's OTC line).
    (("OTC", "VRNOF", "Verano Holdings Corp."), (), "unverified", "no loaded source lists every company"),
])
def test_guards_against_rewriting_real_securities(claim, co_venues, status, note):
    venue, symbol, company = claim
    probe = Tag(span=(0, 1), venue_key=venue, venue_text=venue, venue_span=(0, 1), symbol=symbol,
                symbol_span=(0, 1), group=1, company=company, co_venues=co_venues)
    verdict = judge(probe, GUARDS)
    assert verdict.status == status
    assert verdict.corrections == ()
    assert any(note in e.finding for e in verdict.evidence), verdict.evidence


def test_a_move_onto_a_family_only_listing_says_the_family_is_uncertain():
    verdict = judge(tag("OTC", "BMNR", "BitMine Immersion Technologies Inc."), GUARDS)
    assert verdict.status == "corrected" and verdict.resolved.exchange == "NYSE"
    assert "NYSE American or NYSE Arca" in verdict.corrections[0].reason
    assert verdict.confidence < 0.85


DATED = TableReference(
    rows=[
        ("BINI", "OTC", SEC, "BOLLINGER INNOVATIONS, INC.", False),
        ("IONQ", "NYSE", SEC, "IonQ, Inc.", True),
    ],
    history=[
        ("2025-06-01", "BINI", "NASDAQ", False, "Mullen Automotive Inc."),
        ("2025-06-01", "IONQ", "NYSE", True, "IonQ, Inc."),
        ("2024-01-01", "IONQ", "NYSE", True, "IonQ, Inc."),
        ("2024-01-01", "HUSA", "NYSE", True, "HOUSTON AMERICAN ENERGY CORP"),
    ],
)


@pytest.mark.parametrize("claim, as_of, status, exchange", [
    # Recent article: the newest list speaks for it.
    (("NASDAQ", "BINI", "Bollinger Innovations"), "2026-09-01", "corrected", "OTC"),
    (("NASDAQ", "BINI", "Bollinger Innovations"), None, "corrected", "OTC"),
    # Older article: the list nearest its date says NASDAQ, so it was right then.
    (("NASDAQ", "BINI", "Bollinger Innovations"), "2025-07-24", "valid", "NASDAQ"),
    # The list nearest the date agrees with the move: still corrected.
    (("NASDAQ", "IONQ", "IonQ, Inc."), "2024-03-01", "corrected", "NYSE"),
    # Gone from the newest list but listed within the NYSE family when the article was written.
    (("NYSE_AMERICAN", "HUSA", None), "2024-02-01", "valid", "NYSE American"),
    (("NYSE", "HUSA", None), None, "unknown", None),
    # Older than every loaded list by far: nothing can be said for its date.
    (("NASDAQ", "BINI", "Bollinger Innovations"), "2019-01-01", "unverified", "OTC"),
    # The five-letter Y/F rule needs no date: no list ever showed XIACY on NASDAQ.
    (("NASDAQ", "XIACY", "Xiaomi"), "2022-06-30", "corrected", "OTC"),
])
def test_verdicts_at_the_article_date(claim, as_of, status, exchange):
    verdict = judge(tag(*claim), DATED, as_of=as_of)
    assert verdict.status == status, verdict
    assert (verdict.resolved.exchange if verdict.resolved else None) == exchange
