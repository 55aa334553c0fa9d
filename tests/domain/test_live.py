"""Live evidence folded into reference verdicts."""

import pytest

from enrich.domain.live import LiveListing, with_live
from enrich.domain.model import Tag
from enrich.domain.verdicts import judge
from tests.domain.refs import REF


def tag(venue, symbol, company=None):
    return Tag(span=(0, 1), venue_key=venue, venue_text=venue, venue_span=(0, 1), symbol=symbol, symbol_span=(0, 1),
               group=1, company=company)


@pytest.mark.parametrize("claim, live, status, exchange, fields", [
    # Unverified on an uncovered venue: the venue's own Yahoo symbol is quoted there.
    (("TSX", "SHOP", "Shopify"), LiveListing("SHOP.TO", True, "TOR", "Toronto"), "valid", "TSX", []),
    # Confirmed as OTC.
    (("NASDAQ", "XIACY", "Xiaomi"), LiveListing("XIACY", True, "PNK", "Other OTC"), "corrected", "OTC",
     ["exchange"]),
    # A US symbol the references couldn't place, quoted on another US venue: moved.
    (("NASDAQ", "SPYX", None), LiveListing("SPYX", True, "PCX", "NYSE Arca"), "corrected", "NYSE Arca",
     ["exchange"]),
    # Within the family, Yahoo names the exact venue.
    (("NYSE", "HUSA", None), LiveListing("HUSA", True, "ASE", "NYSE American"), "valid", "NYSE American", []),
    # Not found, or a venue the table doesn't model: evidence only.
    (("TSX", "ZZZZ", None), LiveListing("ZZZZ.TO", False), "unverified", "TSX", []),
    (("TSX", "SHOP", None), LiveListing("SHOP.TO", True, "STU", "Stuttgart"), "unverified", "TSX", []),
])
def test_live_evidence(claim, live, status, exchange, fields):
    before = judge(tag(*claim), REF)
    after = with_live(tag(*claim), before, live)
    assert after.status == status
    assert after.resolved.exchange == exchange
    assert [c.field for c in after.corrections] == fields
    assert after.evidence[-1].source == "yfinance"


def test_a_reference_verdict_is_not_moved_by_one_live_answer():
    before = judge(tag("NASDAQ", "MSFT", "Microsoft"), REF)
    after = with_live(tag("NASDAQ", "MSFT", "Microsoft"), before, LiveListing("MSFT", True, "NYQ", "NYSE"))
    assert after.status == "valid" and after.resolved.exchange == "NASDAQ"
    assert "Yahoo lists MSFT on NYSE" in after.evidence[-1].finding
