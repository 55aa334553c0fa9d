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


RENAME_FIRST = "the SEC's rename, found between two yearly lists, answers before the dated history is asked"
DIRECTORY_FIRST = ("the NASDAQ Trader directory of 2025-07-21 is asked before the screener runs, so it speaks for a "
                   "date the daily lists cover")


@pytest.mark.parametrize("as_of, text, status, exchange, confidence, source, words", [
    # On NASDAQ 2022-03-17..2026-03-03; the SEC's newest name is Meridian Holdings, the article's old one still fits.
    ("2024-08-26", "Golden Matrix Group Inc. (NASDAQ: GMGI) today", "valid", "NASDAQ", None, US_HISTORY, None),
    pytest.param("2024-05-16", "Mullen Automotive Inc. (NASDAQ: MULN) releases", "valid", "NASDAQ", 0.9, US_HISTORY,
                 "seen there from 2021-11-06 to 2025-07-26",
                 marks=pytest.mark.xfail(strict=True, reason=RENAME_FIRST + ": valid 0.8 but resolved to BINI on "
                                                                           "OTC, today's listing, not NASDAQ")),
    pytest.param("2025-02-26", "Femto Technologies Inc. (Nasdaq: BCAN), previously known as BYND Cannasoft",
                 "corrected", "NASDAQ", None, US_HISTORY, "2025-01-29",
                 marks=pytest.mark.xfail(strict=True, reason=RENAME_FIRST + ": BCAN, FMTO on NASDAQ since "
                                                                           "2025-01-29, is valid and resolved to "
                                                                           "FMTOF on OTC")),
    # Delisted from NASDAQ after 2024-05-02: over the counter by late July.
    ("2024-07-26", "PaxMedica (NASDAQ: PXMD), a biopharmaceutical company", "corrected", "OTC", 0.7, US_HISTORY,
     "it left NASDAQ after 2024-05-02"),
    # NYSE American all along, never NYSE.
    ("2025-09-22", "New Gold Inc. (NYSE: NGD), Nicola Mining", "corrected", "NYSE American", 0.8, US_HISTORY,
     "from 2021-01-30 to 2026-03-20"),
    pytest.param("2026-01-14", "USANA Health Sciences, Beachbody (NYSE: BODI), and Strauss Group", "corrected",
                 "NASDAQ", None, US_HISTORY, "2025-09-04",
                 marks=pytest.mark.xfail(strict=True, reason=DIRECTORY_FIRST + ": BODI moved to NASDAQ on "
                                                                              "2025-09-04 and is valid on NYSE")),
    pytest.param("2026-08-17", "For tech companies like D-Wave Quantum Inc. (NYSE: QBTS) that", "corrected",
                 "NASDAQ", None, US_HISTORY, "2026-07-28",
                 marks=pytest.mark.xfail(strict=True, reason="the SEC list of 2026-06-02 predates the move to NASDAQ "
                                                             "on 2026-07-28, and a valid verdict is never checked "
                                                             "against the dated history")),
    # An ETF on NYSE Arca: the directory is its one dated source.
    ("2025-06-26", "the Virtus InfraCap U.S. Preferred Stock ETF (NYSE Arca: PFFA).", "valid", "NYSE Arca", 0.75,
     US_HISTORY, "NASDAQ Trader's directory of 2025-07-21"),
    # Over the counter: a CUSIP never on an exchange list; an SEC OTC entry.
    ("2025-09-11", "About Altigen Technologies Altigen Technologies (OTCQB:ATGN) delivers", "valid", "OTC", 0.7,
     US_HISTORY, "at the article's date (2025-09-11); ATGN has a CUSIP"),
    ("2024-09-30", "First Mining Gold (NASDAQ: FFMGF) today", "corrected", "OTC", 0.7, US_HISTORY,
     "the SEC lists FFMGF as traded over the counter"),
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


ETF_OTC = "the screener pulls leave funds out, yet the ETF's absence from them and its CUSIP make it OTC"
ACQUIRED = "an acquired company's CUSIP entry outlives its shares, so a stale tag is moved to OTC"


@pytest.mark.parametrize("as_of, text", [
    pytest.param("2024-04-11", "Similarly, the Sprott Copper Miners ETF (NASDAQ: COPP) and",
                 marks=pytest.mark.xfail(strict=True, reason=ETF_OTC)),
    pytest.param("2026-07-14", "Virtus InfraCap U.S. Preferred Stock ETF (NYSE: PFFA) and a series",
                 marks=pytest.mark.xfail(strict=True, reason=ETF_OTC)),
    # Bought by Jazz Pharmaceuticals (off NASDAQ after 2025-04-22), Clearlake and Insight (off NYSE after
    # 2024-03-19), Bitfarms (off NASDAQ after 2025-03-15): none of them went over the counter.
    pytest.param("2025-07-28", "Oncoceutics was acquired by Chimerix Inc. (NASDAQ: CMRX) for $450 million",
                 marks=pytest.mark.xfail(strict=True, reason=ACQUIRED)),
    pytest.param("2024-07-29", "About Alteryx  Alteryx (NYSE: AYX) powers analytics",
                 marks=pytest.mark.xfail(strict=True, reason=ACQUIRED)),
    pytest.param("2025-05-01", "Industry actors like Stronghold Digital Mining Inc. (NASDAQ: SDIG) can only wait",
                 marks=pytest.mark.xfail(strict=True, reason=ACQUIRED)),
])
def test_no_otc_fix_for_what_never_traded_over_the_counter(as_of, text, services):
    verdict = judged(text, as_of, services)
    assert verdict.resolved is None or verdict.resolved.exchange != "OTC", said(verdict)
