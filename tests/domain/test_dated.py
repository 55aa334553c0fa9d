"""Tags judged at the article's date (enrich.domain.dated) and the non-US rules, on rows copied from the bundled data.

Every Presence, Change, SEC and FinanceDatabase row below is a real row of enrich/refdata/data (us_listings.tsv,
us_changes.tsv, sec_company_tickers.tsv, history/sec-*.tsv, cusip_tickers.txt, nonus/*.tsv); the article dates are
chosen around them. A rule that gives a wrong answer on its real example is an xfail(strict=True) row saying why.
"""

import pytest

from enrich.domain.mentions import extract
from enrich.domain.model import Listing
from enrich.domain.reference import Change, Presence, Window
from enrich.domain.verdicts import judge
from tests.domain.refs import SEC, TableReference

FD = "financedatabase"
SCREENER = "nasdaq-screener"
DIRECTORY = "nasdaqtrader"
HISTORY = "us-listing-history"

# The dated sources' complete windows, as enrich/refdata/ushistory.py declares them.
WINDOWS = (
    Window("2014-10-11", "2016-08-15", frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN", "NYSE_ARCA", "CBOE"}), DIRECTORY),
    Window("2021-01-30", "2026-08-22", frozenset({"NASDAQ", "NYSE", "NYSE_AMERICAN"}), SCREENER),
)


def fd(symbol, venue, name, isin=None, delisted=False, country="Canada"):
    """A FinanceDatabase row of nonus/<venue>.tsv, as enrich/refdata/abroad.py loads it."""
    return Listing(symbol, venue, FD, name, None, False, delisted, isin, country)


REF = TableReference(
    # sec_company_tickers.tsv (as of 2026-06-02): the only current SEC rows of these symbols.
    rows=[
        ("GTLS", "NYSE", SEC, "CHART INDUSTRIES INC", True),
        ("BODI", "NASDAQ", SEC, "Beachbody Company, Inc.", False),
    ],
    cusip=["GMGI", "PXMD", "GTLS", "LPTV", "NGD", "ATGN", "VAPE", "BNC", "BODI", "PFFA", "COPP", "CMRX"],
    # history/sec-<date>.tsv rows (the 2022-05-19 PXMD row names no exchange, so the index leaves it out).
    history=[
        *((date, "GMGI", "NASDAQ", False, "Golden Matrix Group, Inc.")
          for date in ("2022-05-19", "2023-05-26", "2025-12-14", "2026-01-29", "2026-03-05")),
        ("2026-03-25", "GMGI", "NASDAQ", False, "Meridian Holdings Inc./NV"),  # renamed since the articles
        ("2023-05-26", "PXMD", "NASDAQ", False, "PaxMedica, Inc."),
        ("2022-05-19", "LPTV", "OTC", False, "Loop Media, Inc."),
        ("2023-05-26", "LPTV", "NYSE", True, "Loop Media, Inc."),
        *((date, "NGD", "NYSE", True, "New Gold Inc. /FI") for date in ("2022-05-19", "2023-05-26")),
        *((date, "CMRX", "NASDAQ", False, "CHIMERIX INC") for date in ("2022-05-19", "2023-05-26")),
    ],
    presence=[
        # GMGI (Golden Matrix Group, now Meridian Holdings): on NASDAQ 2022-03-17..2026-03-03.
        Presence("GMGI", "NASDAQ", "2022-03-17", "2026-03-03", None, SCREENER),
        Presence("GMGI", "NASDAQ", "2025-07-21", "2025-07-21", None, DIRECTORY),
        # PXMD (PaxMedica): delisted from NASDAQ after 2024-05-02.
        Presence("PXMD", "NASDAQ", "2022-08-27", "2024-05-02", None, SCREENER),
        # LPTV (Loop Media): uplisted from OTC to NYSE American on 2022-09-23.
        Presence("LPTV", "NYSE_AMERICAN", "2022-09-23", "2024-08-09", None, SCREENER),
        # GTLS (Chart Industries): NASDAQ to NYSE on 2021-02-02.
        Presence("GTLS", "NASDAQ", "2014-10-11", "2016-08-15", None, DIRECTORY),
        Presence("GTLS", "NASDAQ", "2021-01-30", "2021-01-30", None, SCREENER),
        Presence("GTLS", "NYSE", "2021-02-02", "2026-07-16", None, SCREENER),
        Presence("GTLS", "NYSE", "2025-07-21", "2025-07-21", None, DIRECTORY),
        # NGD (New Gold): NYSE American, never NYSE.
        Presence("NGD", "NYSE_AMERICAN", "2014-10-11", "2016-08-15", None, DIRECTORY),
        Presence("NGD", "NYSE_AMERICAN", "2021-01-30", "2026-03-20", None, SCREENER),
        Presence("NGD", "NYSE_AMERICAN", "2025-07-21", "2025-07-21", None, DIRECTORY),
        # VAPE (CEA Industries): CEAD became VAPE on 2025-06-17, VAPE became BNC on 2025-08-07.
        Presence("VAPE", "NASDAQ", "2025-06-17", "2025-08-06", None, SCREENER),
        Presence("VAPE", "NASDAQ", "2025-07-21", "2025-07-21", None, DIRECTORY),
        Presence("BNC", "NASDAQ", "2025-08-07", "2026-08-22", None, SCREENER),
        # BODI (Beachbody): NYSE to NASDAQ on 2025-09-04.
        Presence("BODI", "NASDAQ", "2025-09-04", "2026-08-22", None, SCREENER),
        Presence("BODI", "NYSE", "2024-03-05", "2025-09-03", None, SCREENER),
        Presence("BODI", "NYSE", "2025-07-21", "2025-07-21", None, DIRECTORY),
        # Funds: the screener pulls leave them out, so the directory of 2025-07-21 is their only dated row.
        Presence("PFFA", "NYSE_ARCA", "2025-07-21", "2025-07-21", "etf", DIRECTORY),
        Presence("COPP", "NASDAQ", "2025-07-21", "2025-07-21", "etf", DIRECTORY),
        # CMRX (Chimerix): left NASDAQ after 2025-04-22, when Jazz Pharmaceuticals bought it.
        Presence("CMRX", "NASDAQ", "2014-10-11", "2016-08-15", None, DIRECTORY),
        Presence("CMRX", "NASDAQ", "2021-01-30", "2025-04-22", None, SCREENER),
    ],
    windows=WINDOWS,
    changes=[
        Change("transfer", "GTLS", "NASDAQ", "GTLS", "NYSE", "2021-01-30", "2021-02-02", HISTORY),
        Change("rename", "CEAD", "NASDAQ", "VAPE", "NASDAQ", "2025-06-13", "2025-06-17", HISTORY),
        Change("rename", "VAPE", "NASDAQ", "BNC", "NASDAQ", "2025-08-06", "2025-08-07", HISTORY),
        Change("rename", "BODY", "NYSE", "BODI", "NYSE", "2024-03-02", "2024-03-05", HISTORY),
        Change("transfer", "BODI", "NYSE", "BODI", "NASDAQ", "2025-09-03", "2025-09-04", HISTORY),
    ],
    abroad=[
        fd("SHOP", "TSX", "Shopify Inc.", "CA82509L1076"),
        fd("ABCT", "TSX", "ABC Technologies Holdings Inc.", delisted=True),
        fd("AAV", "TSX", "Advantage Energy Ltd."),
        fd("BAY", "TSXV", "Aston Bay Holdings Ltd."),
        # Blue Lagoon Resources: on the Berlin, Hamburg, Hannover and Munich tables, not on Frankfurt's or XETRA's.
        *(fd("7BL", venue, "Blue Lagoon Resources Inc.", "CA09564P1036") for venue in ("BER", "HAM", "HAN", "MUN")),
        fd("EOG", "LSE", "Europa Oil & Gas (Holdings) plc", country="United Kingdom"),
    ],
)



def judged(text, as_of):
    (tag,) = extract(text)
    return judge(tag, REF, as_of)


def said(verdict):
    """Everything the verdict says in words: evidence findings and correction reasons."""
    return " | ".join([e.finding for e in verdict.evidence] + [c.reason for c in verdict.corrections])


@pytest.mark.parametrize("as_of, text, status, exchange, confidence, words", [
    # Listed on the claimed venue at the date: the run's dates and what happened since.
    ("2023-06-01", "Golden Matrix Group Inc. (NASDAQ: GMGI) today", "valid", "NASDAQ", 0.9,
     "seen there from 2022-03-17 to 2026-03-03; it was last seen there on 2026-03-03"),
    # The screener runs are asked before the directory of 2025-07-21, which is 329 days off.
    ("2024-08-26", "Golden Matrix Group Inc. (NASDAQ: GMGI) today", "valid", "NASDAQ", 0.9,
     "GMGI was listed on NASDAQ at the article's date (2024-08-26): seen there from 2022-03-17 to 2026-03-03"),
    ("2024-04-15", "PaxMedica, Inc. (NASDAQ: PXMD) today", "valid", "NASDAQ", 0.9, "last seen there on 2024-05-02"),
    ("2015-06-01", "Chart Industries, Inc. (NASDAQ: GTLS) today", "valid", "NASDAQ", 0.9,
     "it moved to NYSE on 2021-02-02"),
    # Three weeks off the list: neither listed nor yet OTC, so nothing is settled.
    ("2024-05-23", "PaxMedica, Inc. (NASDAQ: PXMD) today", "unverified", "NASDAQ", 0.3, None),
    # Gone for months with only a CUSIP (no SEC OTC entry, not a Y/F symbol): no proof it went over the counter, so
    # the tag is left unverified with what the history knows, and nothing is moved.
    ("2024-07-26", "PaxMedica, Inc. (NASDAQ: PXMD) today", "unverified", "NASDAQ", 0.3,
     "no US exchange list has PXMD at the article's date (2024-07-26) (it left NASDAQ after 2024-05-02)"),
    # A listing announced ahead of its first day of trading.
    ("2022-09-01", "Loop Media, Inc. (NYSE American: LPTV) today", "valid", "NYSE American", 0.6,
     "began trading on NYSE American on 2022-09-23, 22 days after the article"),
    # On one other exchange at the date: a known transfer is named with its date; otherwise the run's dates.
    ("2021-06-01", "Chart Industries, Inc. (NASDAQ: GTLS) today", "corrected", "NYSE", 0.85,
     "GTLS moved from NASDAQ to NYSE on 2021-02-02"),
    ("2025-09-22", "New Gold Inc. (NYSE: NGD) today", "corrected", "NYSE American", 0.8,
     "listed on NYSE American at the article's date (2025-09-22), from 2021-01-30 to 2026-03-20"),
    # The screener runs speak before the directory, which still shows BODI on NYSE on 2025-07-21.
    ("2026-01-14", "Beachbody (NYSE: BODI) today", "corrected", "NASDAQ", 0.85,
     "BODI moved from NYSE to NASDAQ on 2025-09-04"),
    # A CUSIP symbol no exchange list has ever shown: an OTC tag is confirmed; an exchange tag is not moved to OTC on
    # a CUSIP alone (no SEC OTC entry, not a Y/F symbol), only left unverified with the finding.
    ("2025-09-11", "Altigen Technologies (OTCQB: ATGN) delivers", "valid", "OTC", 0.7,
     "no US exchange list has ATGN at the article's date (2025-09-11); ATGN has a CUSIP"),
    ("2025-09-11", "Altigen Technologies (NASDAQ: ATGN) delivers", "unverified", "NASDAQ", 0.3,
     "no US exchange list has ATGN at the article's date (2025-09-11); ATGN has a CUSIP"),
    # Chimerix was bought by Jazz Pharmaceuticals (it left NASDAQ after 2025-04-22); its shares went nowhere, and its
    # CUSIP alone is no proof of an OTC line.
    ("2025-07-28", "acquired by Chimerix Inc. (NASDAQ: CMRX) for", "unverified", "NASDAQ", 0.3,
     "no US exchange list has CMRX at the article's date (2025-07-28) (it left NASDAQ after 2025-04-22)"),
    # A five-letter F symbol (Patriot Battery Metals' OTC line) that no list of the data has, not even the CUSIPs:
    # the shape alone confirms an OTC tag.
    ("2025-03-10", "Patriot Battery Metals Inc. (OTC: PMETF) today", "valid", "OTC", 0.7,
     "no US exchange list has PMETF at the article's date (2025-03-10); PMETF is a five-letter symbol ending in F"),
    # Funds: the daily pulls leave them out, so the directory of 2025-07-21 is their one dated source (two years
    # either side); an ETF is never made OTC, and `NYSE` for a fund NYSE Arca lists is NYSE Arca.
    ("2025-06-26", "Virtus InfraCap U.S. Preferred Stock ETF (NYSE Arca: PFFA) today", "valid", "NYSE Arca", 0.75,
     "PFFA is an ETF on NYSE Arca in NASDAQ Trader's directory of 2025-07-21, 25 days from the article's date"),
    ("2024-04-11", "the Sprott Copper Miners ETF (NASDAQ: COPP) and", "valid", "NASDAQ", 0.75,
     "COPP is an ETF on NASDAQ in NASDAQ Trader's directory of 2025-07-21, 466 days from the article's date"),
    ("2026-07-14", "Virtus InfraCap U.S. Preferred Stock ETF (NYSE: PFFA) and", "corrected", "NYSE Arca", 0.7,
     "PFFA is an ETF on NYSE Arca in NASDAQ Trader's directory of 2025-07-21, 358 days from the article's date, "
     "not on NYSE"),
    # FinanceDatabase listings abroad: valid; marked delisted, less sure; another company's name, unsettled.
    ("2025-06-01", "Shopify Inc. (TSX: SHOP) today", "valid", "TSX", 0.85, "SHOP is listed on TSX as Shopify Inc."),
    ("2024-10-17", "Aston Bay Holdings Ltd. (TSX.V: BAY) today", "valid", "TSXV", 0.85,
     "BAY is listed on TSXV as Aston Bay Holdings Ltd."),
    ("2023-01-10", "ABC Technologies Holdings Inc. (TSX: ABCT) today", "valid", "TSX", 0.6, "marked delisted"),
    ("2025-06-01", "Aberdeen International Inc. (TSX: AAV) today", "unverified", "TSX", 0.3,
     "not 'Advantage Energy Ltd.'"),
    # The German exchanges share one symbol per security: a regional listing confirms Frankfurt and XETRA.
    ("2025-07-09", "Blue Lagoon Resources (FSE: 7BL) and", "valid", "FWB", 0.7,
     "7BL is listed on Berlin as Blue Lagoon Resources Inc."),
    ("2025-07-09", "Blue Lagoon Resources (XETRA: 7BL) and", "valid", "XETRA", 0.7, "so it trades on XETRA too"),
    ("2025-07-09", "Blue Lagoon Resources (Börse Berlin: 7BL) and", "valid", "Berlin", 0.85,
     "7BL is listed on Berlin as Blue Lagoon Resources Inc."),
    ("2025-07-09", "Golden Matrix Group Inc. (FSE: 7BL) today", "unverified", "FWB", 0.3,
     "not 'Blue Lagoon Resources Inc.'"),
    # The extracted company is only `PLC`, a legal form: it names no company, so it can't conflict with the listing.
    ("2025-03-10", "Europa Oil & Gas (Holdings) PLC (AIM: EOG) today", "valid", "LSE", 0.85,
     "EOG is listed on LSE as Europa Oil & Gas (Holdings) plc"),
])
def test_dated_and_abroad(as_of, text, status, exchange, confidence, words):
    verdict = judged(text, as_of)
    assert verdict.status == status, verdict
    assert (verdict.resolved.exchange if verdict.resolved else None) == exchange, verdict
    assert verdict.confidence == pytest.approx(confidence), verdict
    if words:
        assert words in said(verdict), said(verdict)


def test_a_symbol_replaced_before_the_date_is_its_successor():
    # VAPE became BNC on 2025-08-07, and BNC was on NASDAQ in December: both symbol and exchange are corrected.
    verdict = judged("CEA Industries Inc. (OTC: VAPE) today", "2025-12-01")
    assert verdict.status == "corrected", said(verdict)
    assert (verdict.resolved.symbol, verdict.resolved.exchange) == ("BNC", "NASDAQ"), said(verdict)
    assert verdict.confidence == pytest.approx(0.85)
    assert {(c.field, c.old, c.new) for c in verdict.corrections} == {
        ("symbol", "VAPE", "BNC"), ("exchange", "OTC", "NASDAQ")}
    assert "VAPE became BNC on 2025-08-07" in said(verdict), said(verdict)


@pytest.mark.parametrize("as_of, text, right", [
    # Once wrong (the directory's stock row answered for a date the screener covers); the directory now speaks
    # for funds only there, so the rename answers: VAPE became BNC on 2025-08-07.
    ("2025-12-01", "CEA Industries Inc. (NASDAQ: VAPE) today", ("corrected", "BNC", "NASDAQ")),
])
def test_once_wrong_answers_on_real_rows(as_of, text, right):
    verdict = judged(text, as_of)
    got = (verdict.status, *((verdict.resolved.symbol, verdict.resolved.exchange) if verdict.resolved else ()))
    assert got == right, said(verdict)


@pytest.mark.parametrize("text, status, name", [
    # The SEC's newest name for GMGI is Meridian Holdings; the article's older name still fits one of its names.
    ("Golden Matrix Group Inc. (NASDAQ: GMGI) today", "valid", "Golden Matrix Group, Inc."),
    ("(NASDAQ: GMGI) today", "valid", "Meridian Holdings Inc./NV"),
    # A name neither list ever gave the symbol: listed then, but not confirmed for this company.
    ("Acme Widgets Corp. (NASDAQ: GMGI) today", "unverified", None),
])
def test_a_renamed_company_keeps_its_old_name(text, status, name):
    verdict = judged(text, "2023-06-01")
    assert verdict.status == status, verdict
    assert verdict.resolved.name == name
