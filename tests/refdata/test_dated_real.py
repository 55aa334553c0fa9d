"""Real tags from the press-release archive, judged at their article's date against the bundled reference index.

Each text is the tag with a few words around it as its release printed them (the date is the release's); nothing
here reads ../shared. The rows that give a wrong answer today are xfail(strict=True) and say why.
"""

from __future__ import annotations

import pytest

from config.settings import Settings
from enrich.domain.sources import FINANCEDATABASE, US_HISTORY
from enrich.service import enrich
from enrich.wiring import build_services


@pytest.fixture(scope="module")
def services():
    return build_services(Settings(market_data="offline"))


def judged(text, as_of, services):
    (mention,) = enrich(text, services, as_of=as_of, prices=False).mentions
    return mention.verdict


def said(verdict):
    """Everything the verdict says in words: evidence findings and correction reasons."""
    return " | ".join([e.finding for e in verdict.evidence] + [c.reason for c in verdict.corrections])




@pytest.mark.parametrize("as_of, text, status, exchange, confidence, source, words", [
    # On NASDAQ 2022-03-17..2026-03-03; the SEC's newest name is Meridian Holdings, the article's old one still fits.
    ("2024-08-26", "Golden Matrix Group Inc. (NASDAQ: GMGI) today", "valid", "NASDAQ", None, US_HISTORY, None),
    # With a date the dated history is asked before the SEC's rename: MULN on NASDAQ 2021-11-06..2025-07-26, the
    # rename to BINI (found between the SEC lists of 2023-05-26 and 2025-12-14) told as what happened since.
    ("2024-05-16", "Mullen Automotive Inc. (NASDAQ: MULN) releases", "valid", "NASDAQ", 0.9, US_HISTORY,
     "MULN was listed on NASDAQ at the article's date (2024-05-16): seen there from 2021-11-06 to 2025-07-26; "
     "it became BINI between 2023-05-26 and 2025-12-14"),
    # The article gives the new name (Femto), which none of BCAN's SEC names fits; the rename record lets the
    # dated history answer: BCAN became FMTO on NASDAQ on 2025-01-29.
    ("2025-02-26", "Femto Technologies Inc. (Nasdaq: BCAN), previously known as BYND Cannasoft",
     "corrected", "NASDAQ", None, US_HISTORY, "2025-01-29"),
    # Delisted from NASDAQ after 2024-05-02, with only a CUSIP (no SEC OTC entry): no proof of an OTC line, so
    # unverified with the finding, not moved.
    ("2024-07-26", "PaxMedica (NASDAQ: PXMD), a biopharmaceutical company", "unverified", "NASDAQ", 0.3, US_HISTORY,
     "no US exchange list has PXMD at the article's date (2024-07-26) (it left NASDAQ after 2024-05-02)"),
    # NYSE American all along, never NYSE.
    ("2025-09-22", "New Gold Inc. (NYSE: NGD), Nicola Mining", "corrected", "NYSE American", 0.8, US_HISTORY,
     "from 2021-01-30 to 2026-03-20"),
    # Moved from NYSE to NASDAQ: the screener runs speak before the directory of 2025-07-21 (BODI still on NYSE
    # there) and before the SEC list of 2026-06-02 (QBTS still on NYSE there).
    ("2026-01-14", "USANA Health Sciences, Beachbody (NYSE: BODI), and Strauss Group", "corrected", "NASDAQ", 0.85,
     US_HISTORY, "BODI moved from NYSE to NASDAQ on 2025-09-04"),
    ("2026-08-17", "For tech companies like D-Wave Quantum Inc. (NYSE: QBTS) that", "corrected", "NASDAQ", 0.85,
     US_HISTORY, "QBTS moved from NYSE to NASDAQ on 2026-07-28"),
    # An ETF on NYSE Arca: the directory is its one dated source.
    ("2025-06-26", "the Virtus InfraCap U.S. Preferred Stock ETF (NYSE Arca: PFFA).", "valid", "NYSE Arca", 0.75,
     US_HISTORY, "NASDAQ Trader's directory of 2025-07-21"),
    # Over the counter: a CUSIP never on an exchange list; an SEC OTC entry.
    ("2025-09-11", "About Altigen Technologies Altigen Technologies (OTCQB:ATGN) delivers", "valid", "OTC", 0.7,
     US_HISTORY, "at the article's date (2025-09-11); ATGN has a CUSIP"),
    ("2024-09-30", "First Mining Gold (NASDAQ: FFMGF) today", "corrected", "OTC", 0.7, US_HISTORY,
     "the SEC lists FFMGF as traded over the counter"),
    # A five-letter F symbol that no list of the data has, not even the CUSIPs: the shape confirms an OTC tag.
    ("2025-03-10", "Patriot Battery Metals Inc. (OTC: PMETF) today", "valid", "OTC", 0.7, US_HISTORY,
     "no US exchange list has PMETF at the article's date (2025-03-10); PMETF is a five-letter symbol ending in F"),
    # FinanceDatabase abroad (SHOP is the brief's example, not from the archive).
    ("2025-06-01", "Shopify Inc. (TSX: SHOP) today", "valid", "TSX", 0.85, FINANCEDATABASE,
     "SHOP is listed on TSX as Shopify Inc."),
    ("2024-10-17", "Aston Bay Holdings Ltd. (TSX.V: BAY) Reports", "valid", "TSXV", 0.85, FINANCEDATABASE,
     "BAY is listed on TSXV as Aston Bay Holdings Ltd."),
    # On regional German tables only (Berlin, Hamburg, Hannover, Munich; Berlin alone): Frankfurt, less surely.
    ("2025-07-09", "partnered with Blue Lagoon Resources (FSE: 7BL) and", "valid", "FWB", 0.7, FINANCEDATABASE,
     "7BL is listed on Berlin as Blue Lagoon Resources Inc."),
    ("2025-09-19", "Nova Minerals Limited (FRA: QM3) Gains Momentum", "valid", "FWB", 0.7, FINANCEDATABASE,
     "QM3 is listed on Berlin as NOVA MINERALS"),
    # The company extracted is only `PLC`, a legal form that names no company: the LSE row stands.
    ("2025-03-10", "Europa Oil & Gas (Holdings) PLC (AIM: EOG) today", "valid", "LSE", 0.85, FINANCEDATABASE,
     "EOG is listed on LSE as Europa Oil & Gas (Holdings) plc"),
])
def test_real_tags_at_their_date(as_of, text, status, exchange, confidence, source, words, services):
    verdict = judged(text, as_of, services)
    assert verdict.status == status, said(verdict)
    assert (verdict.resolved.exchange if verdict.resolved else None) == exchange, said(verdict)
    if confidence is not None:
        assert verdict.confidence == pytest.approx(confidence), said(verdict)
    assert source in {e.source for e in verdict.evidence}, said(verdict)
    if words:
        assert words in said(verdict), said(verdict)


@pytest.mark.parametrize("as_of, text, status, exchange, confidence, words", [
    # Funds, which the screener pulls leave out: the directory of 2025-07-21 speaks for two years either side, an
    # ETF is never made OTC, and `NYSE` for a fund NYSE Arca lists is corrected to NYSE Arca.
    ("2024-04-11", "Similarly, the Sprott Copper Miners ETF (NASDAQ: COPP) and", "valid", "NASDAQ", 0.75,
     "COPP is an ETF on NASDAQ in NASDAQ Trader's directory of 2025-07-21, 466 days from the article's date"),
    ("2026-07-14", "Virtus InfraCap U.S. Preferred Stock ETF (NYSE: PFFA) and a series", "corrected", "NYSE Arca",
     0.7, "PFFA is an ETF on NYSE Arca in NASDAQ Trader's directory of 2025-07-21, 358 days from the article's "
          "date, not on NYSE"),
    # Bought by Jazz Pharmaceuticals (off NASDAQ after 2025-04-22), Clearlake and Insight (off NYSE after
    # 2024-03-19), Bitfarms (off NASDAQ after 2025-03-15): none went over the counter, and a CUSIP, which outlives
    # an acquired company's shares, is no proof it did. Unverified, saying when it left.
    ("2025-07-28", "Oncoceutics was acquired by Chimerix Inc. (NASDAQ: CMRX) for $450 million", "unverified",
     "NASDAQ", 0.3, "no US exchange list has CMRX at the article's date (2025-07-28) "
                    "(it left NASDAQ after 2025-04-22)"),
    ("2024-07-29", "About Alteryx  Alteryx (NYSE: AYX) powers analytics", "unverified", "NYSE", 0.3,
     "no US exchange list has AYX at the article's date (2024-07-29) (it left NYSE after 2024-03-19)"),
    ("2025-05-01", "Industry actors like Stronghold Digital Mining Inc. (NASDAQ: SDIG) can only wait", "unverified",
     "NASDAQ", 0.3, "no US exchange list has SDIG at the article's date (2025-05-01) "
                    "(it left NASDAQ after 2025-03-15)"),
    # Never on an exchange list, a CUSIP but no SEC OTC entry: not moved to OTC either.
    ("2025-09-11", "About Altigen Technologies Altigen Technologies (NASDAQ: ATGN) delivers", "unverified", "NASDAQ",
     0.3, "no US exchange list has ATGN at the article's date (2025-09-11); ATGN has a CUSIP"),
])
def test_no_otc_fix_for_what_never_traded_over_the_counter(as_of, text, status, exchange, confidence, words,
                                                           services):
    verdict = judged(text, as_of, services)
    assert verdict.status == status, said(verdict)
    assert (verdict.resolved.exchange if verdict.resolved else None) == exchange, said(verdict)
    assert verdict.confidence == pytest.approx(confidence), said(verdict)
    assert all(c.new != "OTC" for c in verdict.corrections), said(verdict)
    assert US_HISTORY in {e.source for e in verdict.evidence}, said(verdict)
    assert words in said(verdict), said(verdict)
