"""The files built from the shared raw copies: their rebuild, what they answer, and that they are read lazily."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from enrich.domain.reference import Change, Presence
from enrich.domain.sources import US_HISTORY
from enrich.refdata.index import DATA_DIR, ReferenceIndex, load_index

REPO = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
RAW_MADE = sorted(name for name, entry in MANIFEST.items() if "--raw" in entry["command"])
GERMAN_FLOORS = ("BER", "MUN", "DUS", "HAM", "HAN")  # FinanceDatabase has no Stuttgart table


@pytest.fixture(scope="module")
def index() -> ReferenceIndex:
    return load_index()


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by its path relative to it."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the rebuild --------------------------------------------------------------------------------------


@pytest.mark.shared
def test_rebuild_from_raw_is_byte_identical(shared, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(DATA_DIR, out)
    assert {n.split("/")[0] for n in RAW_MADE} == {"history", "nonus", "us_changes.tsv", "us_listings.tsv"}
    for name in RAW_MADE:  # gone, so the build must write each of them again
        (out / name).unlink()
    result = subprocess.run(
        [sys.executable, "scripts/build_refdata.py", "--raw", str(shared / "data" / "raw"), "--only-raw",
         "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    built, bundled = tree(out), tree(DATA_DIR)
    assert sorted(built) == sorted(bundled)
    for name in bundled:  # MANIFEST.json included: same entries, same hashes, same order
        assert built[name] == bundled[name], name


# --- FinanceDatabase's per-venue tables ---------------------------------------------------------------


@pytest.mark.parametrize("written", ["700", "0700", "00700"])
def test_hkex_codes_with_or_without_leading_zeros(index, written):
    (tencent,) = index.listings_on(written, ["HKEX"])
    assert (tencent.symbol, tencent.venue_key, tencent.source) == ("0700", "HKEX", "financedatabase")
    assert tencent.name == "Tencent Holding Ltd." and tencent.isin == "KYG875721634" and not tencent.delisted


def test_tsx_symbol(index):
    (shop,) = index.listings_on("SHOP", ["TSX", "TSXV"])
    assert (shop.symbol, shop.venue_key, shop.name) == ("SHOP", "TSX", "Shopify Inc.")
    assert shop.isin == "CA82509L1076" and shop.country == "Canada"
    assert index.listings_on("shop", ["TSX"]) == [shop]


def test_german_regional_floors(index):
    apple = index.listings_on("APC", GERMAN_FLOORS)  # Apple's German symbol, on every regional floor
    assert [x.venue_key for x in apple] == list(GERMAN_FLOORS)
    assert {(x.symbol, x.name, x.isin, x.country) for x in apple} == {
        ("APC", "Apple Inc.", "US0378331005", "United States")}
    # The floors are looked up for a tag that names them, never by company name.
    assert not {x.venue_key for x in index.by_name_abroad("Apple Inc.")} & set(GERMAN_FLOORS)


def test_listings_on_only_the_venues_asked(index):
    assert index.listings_on("700", ["TSX"]) == []
    assert index.listings_on("700", ["NYSE", "NOPE"]) == []  # no table: nothing, no error
    assert index.listings_on("ZZZZQX", ["HKEX"]) == []


# --- the dated US history -----------------------------------------------------------------------------


def test_presence_mullen_on_nasdaq(index):
    # Mullen Automotive traded on Nasdaq as MULN from November 2021 until it became Bollinger Innovations (BINI).
    screener = [p for p in index.presence("MULN") if p.source == "nasdaq-screener"]
    assert screener == [Presence("MULN", "NASDAQ", "2021-11-06", "2025-07-26", None, "nasdaq-screener")]
    assert [(p.venue_key, p.first) for p in index.presence("BINI")] == [("NASDAQ", "2025-07-29")]
    # The screener window lists Nasdaq completely: in mid-2021 MULN was not on it.
    assert any(w.first <= "2021-06-01" <= w.last and "NASDAQ" in w.venues for w in index.windows())
    assert not any(p.first <= "2021-06-01" <= p.last for p in index.presence("MULN"))
    assert index.presence("mULn") == index.presence("MULN")


def test_rename_fb_to_meta(index):
    fb_meta = Change("rename", "FB", "NASDAQ", "META", "NASDAQ", "2022-06-09", "2022-06-10", US_HISTORY)
    assert index.changes("FB") == (fb_meta,) and index.changes("META") == (fb_meta,)
    fb = [(p.first, p.last) for p in index.presence("FB") if p.venue_key == "NASDAQ" and p.source == "nasdaq-screener"]
    meta = [(p.first, p.last) for p in index.presence("META") if p.source == "nasdaq-screener"]
    assert fb == [("2021-01-30", "2022-06-09")] and meta[0][0] == "2022-06-10"


def test_transfer_nasdaq_to_nyse(index):
    # Chart Industries moved GTLS from Nasdaq to the NYSE at the start of February 2021.
    (change,) = index.changes("GTLS")
    assert change == Change("transfer", "GTLS", "NASDAQ", "GTLS", "NYSE", "2021-01-30", "2021-02-02", US_HISTORY)
    nasdaq, nyse = [p for p in index.presence("GTLS") if p.source == "nasdaq-screener"]
    assert (nasdaq.venue_key, nasdaq.last) == ("NASDAQ", change.last_old)
    assert (nyse.venue_key, nyse.first) == ("NYSE", change.first_new)
    # Nasdaq in the NASDAQ Trader files of 2014-16 too.
    assert [p.venue_key for p in index.presence("GTLS") if p.source == "nasdaqtrader" and p.last < "2021"] == [
        "NASDAQ"]


def test_no_presence_or_change_for_an_unknown_symbol(index):
    assert index.presence("ZZZZQX") == () and index.changes("ZZZZQX") == ()


# --- read on first use --------------------------------------------------------------------------------


def test_raw_files_are_read_on_first_use_only():
    ix = load_index()
    assert ix.windows() and ix.covered_by("HKEX") and ix.covered_by("NASDAQ")  # from MANIFEST.json alone
    assert ix._abroad._tables == {} and ix._abroad._names == {}, "no nonus/ table read at load"
    assert ix._us._presence is None and ix._us._changes is None, "us_listings.tsv not read at load"
    assert ix.listings_on("700", ["HKEX"])
    assert set(ix._abroad._tables) == {"HKEX"}, "only the table of the venue asked about"
    assert ix._us._presence is None
    assert ix.presence("MULN")
    assert ix._us._presence is not None and ix._us._changes is not None
    assert set(ix._abroad._tables) == {"HKEX"}


# --- `refdata info` -----------------------------------------------------------------------------------


def test_cli_info_names_every_source_with_its_date():
    env = {**os.environ, "ENRICH_MARKET_DATA": "offline", "ENRICH_REFDATA_DIR": ""}
    result = subprocess.run([sys.executable, "-m", "enrich", "refdata", "info"], capture_output=True, text=True,
                            cwd=REPO, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    sources = json.loads(result.stdout)["sources"]
    nonus_dates = {entry["as_of"] for name, entry in MANIFEST.items() if name.startswith("nonus/")}
    assert len(nonus_dates) == 1
    expected = {
        "sec-company-tickers": MANIFEST["sec_company_tickers.tsv"]["as_of"],
        "us-listing-history": MANIFEST["us_listings.tsv"]["as_of"],
        "financedatabase": nonus_dates.pop(),
        "cusip-tickers": MANIFEST["cusip_tickers.txt"]["as_of"],
        "pytickersymbols": MANIFEST["pytickersymbols.tsv"]["as_of"],
        "iso10383": MANIFEST["iso10383_mic.tsv"]["as_of"],
        "name-index": MANIFEST["names.tsv"]["as_of"],
    }
    assert {name: info["as_of"] for name, info in sources.items()} == expected
