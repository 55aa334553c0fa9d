"""Companies named without a tag take the listing they had on the article's date (enrich/domain/namedates.py)."""

from __future__ import annotations

from enrich.domain.model import CompanyListing, CompanyMention, Evidence
from enrich.domain.namedates import at_date
from enrich.domain.reference import Change
from enrich.service import enrich
from enrich.wiring import build_services

NOW = CompanyListing("WMT", "NASDAQ", "XNAS", "WMT", "Walmart Inc.")
CHANGES = {
    "WMT": (Change("transfer", "WMT", "NYSE", "WMT", "NASDAQ", "2025-12-09", "2025-12-10", "test"),),
    "NEW": (Change("rename", "OLD", "NYSE", "NEW", "NYSE", "2023-03-01", "2023-03-02", "test"),
            Change("transfer", "NEW", "NYSE", "NEW", "NASDAQ", "2024-06-01", "2024-06-02", "test")),
}


def named(listing: CompanyListing, tagged: bool = False) -> CompanyMention:
    return CompanyMention((0, 7), "Walmart", listing, 0.85, tagged, (Evidence("name-index", None, "x"),),
                          None if tagged else ((0, 7), f"Walmart ({listing.exchange}: {listing.symbol})"))


def changes(symbol: str):
    return CHANGES.get(symbol, ())


def test_a_name_before_a_transfer_links_to_the_venue_of_its_day():
    [before] = at_date([named(NOW)], [], "2024-05-01", changes)
    assert (before.listing.exchange, before.listing.mic, before.listing.symbol) == ("NYSE", "XNYS", "WMT")
    assert before.suggestion == ((0, 7), "Walmart (NYSE: WMT)")
    assert "moved to NASDAQ: WMT on 2025-12-10" in before.evidence[-1].finding
    [after] = at_date([named(NOW)], [], "2025-12-10", changes)
    assert after == named(NOW), "on the day of the move and later: as the index says"


def test_a_chain_of_changes_is_followed_back():
    listing = CompanyListing("NEW", "NASDAQ", "XNAS", "NEW", "New Co")
    assert at_date([named(listing)], [], "2024-01-01", changes)[0].listing.exchange == "NYSE"
    oldest = at_date([named(listing)], [], "2022-01-01", changes)[0].listing
    assert (oldest.symbol, oldest.exchange) == ("OLD", "NYSE")


def test_without_a_date_tagged_or_abroad_nothing_moves():
    assert at_date([named(NOW)], [], None, changes) == [named(NOW)]
    assert at_date([named(NOW, tagged=True)], [], "2024-05-01", changes) == [named(NOW, tagged=True)]
    tsx = CompanyListing("WMT", "TSX", "XTSE", "WMT.TO", "x")
    assert at_date([named(tsx)], [], "2024-05-01", changes) == [named(tsx)]


def test_the_bundled_history_dates_walmart():
    services = build_services()
    text = "Shoppers crowded Walmart stores, the retailer said. Walmart Inc. expects higher sales."
    old = enrich(text, services, as_of="2024-05-01", prices=False, names=True).companies
    new = enrich(text, services, as_of="2026-05-01", prices=False, names=True).companies
    assert {c.listing.exchange for c in old} == {"NYSE"} and {c.listing.exchange for c in new} == {"NASDAQ"}
    assert old[0].suggestion == ((17, 24), "Walmart (NYSE: WMT)")
