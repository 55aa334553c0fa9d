"""The reference files built from the shared raw copies (standard library only): dated SEC lists, US listing
history, exchange transfers and renames, and FinanceDatabase's non-US equities.

Called by `build_refdata.py --raw DIR` (DIR: the `data/raw` folder that SOURCES.md describes). Sources whose
licence is not stated give only factual columns (symbols, venues, dates); FinanceDatabase (MIT) also gives
names, ISINs, currencies and countries. The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from enrich.domain.venues import VENUES, YAHOO_EXCHANGES
from enrich.refdata.files import (
    NONUS_COLUMNS,
    NONUS_DIR,
    SIZES,
    US_CHANGES_COLUMNS,
    US_CHANGES_FILE,
    US_COLUMNS,
    US_FILE,
)
from enrich.refdata.refresh import parse_sec_json, sec_rows, write_snapshot, write_tsv
from enrich.refdata.snapshots import SEC_COLUMNS

Entry = dict[str, object]
EntryMaker = Callable[..., Entry]
NO_LICENCE = ("none stated; only factual columns are bundled (symbols, venues, dates: no names or other text "
              "from the source)")
SEC_LICENCE = "Public domain: U.S. government work (17 U.S.C. 105), published by the SEC"
FD_LICENCE = "MIT (FinanceDatabase, JerBouma; LICENSE.txt beside the raw copy)"

# SEC company_tickers_exchange.json copies committed to public repositories: (file date, repo, commit).
SEC_COPIES = (
    ("2022-05-19", "kpjmcg/stock_analysis", "6788529b6679a232983e836b2f7af61d279e68c5"),
    ("2023-05-26", "nlpaueb/edgar-crawler", "166dfd55d743f0eb2f9ebc390f54e8dd51b6bb3a"),
    ("2025-12-14", "phan28395/IQterminal", "4c95be7443a108035e726fecea6a41fdc45089a3"),
)
SCREENER = {"repo": "rreichel3/US-Stock-Symbols", "commit": "7d1d22185692e23e8d60e34cafecb03d5e19f2d1",
            "paths": "{nasdaq,nyse,amex}/*_full_tickers.json, every version 2021-01-30 .. 2026-08-22"}
SCREENER_VENUES = {"NASDAQ": "NASDAQ", "NYSE": "NYSE", "AMEX": "NYSE_AMERICAN"}
# NASDAQ Trader's exchange codes: Q = Nasdaq-listed, the rest from otherlisted.txt.
TRADER_VENUES = {"Q": "NASDAQ", "N": "NYSE", "A": "NYSE_AMERICAN", "P": "NYSE_ARCA", "Z": "CBOE", "V": "IEX"}
# FinanceDatabase files are named by Yahoo exchange code; the regional German floors get their own venues here.
FD_VENUES = {**{k: v for k, v in YAHOO_EXCHANGES.items() if v and not VENUES[v].is_us},
             "BER": "BER", "MUN": "MUN", "DUS": "DUS", "HAM": "HAM", "HAN": "HAN", "STU": "STU", "NSE": "NSE"}
FD_SKIPPED = ("IOB",)  # the LSE's international order book: depositary receipts under codes no article writes


def _csv_gz(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def us_symbol(raw: str) -> str:
    """A US symbol as the SEC writes it: preferred `ABR^D`, `ABR$D`, `ABR.PRD` → `ABR-PD`; `ACIC.U` → `ACIC-U`."""
    symbol = raw.strip().upper()
    symbol = re.sub(r"[\^$](?=[A-Z]?$)", "-P", symbol)
    symbol = re.sub(r"\.PR(?=[A-Z]?$)", "-P", symbol)
    return symbol.replace(".", "-").replace("/", "-").replace("=", "-")


def sec_snapshots(raw: Path, out: Path, entry: EntryMaker, command: str) -> dict[str, Entry]:
    """history/sec-<date>.tsv from each SEC copy, cleaned as `refdata refresh` cleans a download."""
    files: dict[str, Entry] = {}
    for date, repo, commit in SEC_COPIES:
        src = raw / "sec_company_tickers" / f"company_tickers_exchange_{date}.json.gz"
        rows = sec_rows(parse_sec_json(src.read_bytes(), str(src)))
        path = write_snapshot(rows, date, out / "history")
        source = {"repo": repo, "commit": commit, "path": "company_tickers_exchange.json",
                  "upstream": "https://www.sec.gov/files/company_tickers_exchange.json", "raw_sha256": _sha(src)}
        files[f"history/{path.name}"] = entry(path, "sec-company-tickers", source, SEC_LICENCE, date,
                                              "commit date of the copy (the SEC file carries no date)",
                                              SEC_COLUMNS, len(rows), command)
    return files


def _screener_rows(raw: Path) -> Iterable[tuple[str, ...]]:
    for row in _csv_gz(raw / "us_stock_symbols" / "ticker_exchange_history_2021-01_to_2026-08.csv.gz"):
        yield (us_symbol(row["symbol"]), SCREENER_VENUES[row["exchange"]], row["first_seen"], row["last_seen"], "",
               "nasdaq-screener")


def _presence_rows(raw: Path) -> Iterable[tuple[str, ...]]:
    for row in _csv_gz(raw / "nasdaqtrader" / "symbol_presence_2014-10_to_2016-08.csv.gz"):
        yield (us_symbol(row["symbol"]), TRADER_VENUES[row["exchange_code"]], row["first_seen"], row["last_seen"],
               "", "nasdaqtrader")


def _directory_rows(raw: Path, date: str) -> Iterable[tuple[str, ...]]:
    """Every non-test listing of the NASDAQ Trader directories of `date` (one day's complete US lists)."""
    for name, symbol_col, venue_of in (("nasdaqlisted", "Symbol", lambda r: "Q"),
                                       ("otherlisted", "ACT Symbol", lambda r: r["Exchange"])):
        text = (raw / "nasdaqtrader" / f"{name}_{date}.txt").read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(text), delimiter="|"):
            if row[symbol_col].startswith("File Creation Time") or row["Test Issue"] != "N":
                continue
            yield (us_symbol(row[symbol_col]), TRADER_VENUES[venue_of(row)], date, date,
                   "etf" if row["ETF"] == "Y" else "", "nasdaqtrader")


def us_listings(raw: Path, out: Path, entry: EntryMaker, command: str) -> dict[str, Entry]:
    """us_listings.tsv: which symbol was on which US exchange from when to when, by source."""
    directory_date = "2025-07-21"
    rows = sorted(set(_screener_rows(raw)) | set(_presence_rows(raw)) | set(_directory_rows(raw, directory_date)))
    path = out / US_FILE
    write_tsv(path, US_COLUMNS, rows)
    source = {
        "nasdaq-screener": {**SCREENER, "raw": "us_stock_symbols/ticker_exchange_history_2021-01_to_2026-08.csv.gz",
                            "raw_sha256": _sha(raw / "us_stock_symbols"
                                               / "ticker_exchange_history_2021-01_to_2026-08.csv.gz")},
        "nasdaqtrader": [
            {"repo": "ghe/registered-symbols", "commit": "87d57698056ea3f1928a98e9e6c30bde33784b25",
             "note": "presence over all 513 commits 2014-10-11 .. 2016-08-15",
             "raw": "nasdaqtrader/symbol_presence_2014-10_to_2016-08.csv.gz",
             "raw_sha256": _sha(raw / "nasdaqtrader" / "symbol_presence_2014-10_to_2016-08.csv.gz")},
            {"repo": "hemza83/penny-symbol-cache", "commit": "7837b46a6228f0e7f05aa31c7ad31f9364662325",
             "note": f"nasdaqlisted.txt and otherlisted.txt created {directory_date} (test issues dropped)",
             "raw_sha256": [_sha(raw / "nasdaqtrader" / f"{n}_{directory_date}.txt")
                            for n in ("nasdaqlisted", "otherlisted")]},
        ],
    }
    return {US_FILE: entry(path, "us-listing-history", source, NO_LICENCE, "2026-08-22",
                           "last day observed (screener history 2021-01-30 .. 2026-08-22; NASDAQ Trader "
                           f"presence 2014-10-11 .. 2016-08-15 and directories of {directory_date})",
                           US_COLUMNS, len(rows), command)}


_DERIVATIVE = re.compile(r"\b(units?|warrants?|rights?)\b", re.IGNORECASE)


def us_changes(raw: Path, out: Path, entry: EntryMaker, command: str) -> dict[str, Entry]:
    """us_changes.tsv: exchange transfers and symbol changes seen in the daily screener history, with dates."""
    base = raw / "us_stock_symbols"
    rows = set()
    transfers = base / "derived_exchange_transfers_2021-01_to_2026-08.csv.gz"
    for row in _csv_gz(transfers):
        symbol = us_symbol(row["symbol"])
        rows.add(("transfer", symbol, SCREENER_VENUES[row["from_exchange"]], symbol,
                  SCREENER_VENUES[row["to_exchange"]], row["last_seen_on_from"], row["first_seen_on_to"]))
    renames = base / "derived_probable_symbol_changes_2021-01_to_2026-08.csv.gz"
    for row in _csv_gz(renames):
        # The file pairs symbols by name similarity: SPAC units, warrants and rights pair with each other falsely.
        if _DERIVATIVE.search(row["old_name"]) or _DERIVATIVE.search(row["new_name"]):
            continue
        if float(row["name_similarity"]) < 0.9:
            continue
        rows.add(("rename", us_symbol(row["old_symbol"]), SCREENER_VENUES[row["old_exchange"]],
                  us_symbol(row["new_symbol"]), SCREENER_VENUES[row["new_exchange"]], row["old_last_seen"],
                  row["new_first_seen"]))
    path = out / US_CHANGES_FILE
    ordered = sorted(rows)
    write_tsv(path, US_CHANGES_COLUMNS, ordered)
    source = {**SCREENER, "raw": [transfers.name, renames.name], "raw_sha256": [_sha(transfers), _sha(renames)],
              "filter": "renames: name similarity >= 0.9, neither side a unit, warrant or right"}
    return {US_CHANGES_FILE: entry(path, "us-listing-history", source, NO_LICENCE, "2026-08-22",
                                   "last day of the screener history the changes were found in",
                                   US_CHANGES_COLUMNS, len(ordered), command)}


def _fd_symbol(yahoo: str, suffix: str) -> str:
    """`SHOP.TO` → `SHOP`, `BBD-B.TO` → `BBD-B`, `0700.HK` → `0700` (the venue's Yahoo suffix removed)."""
    return yahoo[: -len(suffix)] if suffix and yahoo.upper().endswith(suffix.upper()) else yahoo


def nonus_listings(raw: Path, out: Path, entry: EntryMaker, command: str) -> dict[str, Entry]:
    """nonus/<venue>.tsv: FinanceDatabase's equities on each non-US venue we model (one file a venue, loaded
    only when a tag names it)."""
    src = raw / "financedatabase" / "equities_by_exchange_2026-08-16.csv.gz"
    by_venue: dict[str, set[tuple[str, ...]]] = {}
    for row in _csv_gz(src):
        code = row["source_file"].removesuffix(".csv")
        venue_key = FD_VENUES.get(code)
        if venue_key is None or code in FD_SKIPPED:
            continue
        suffix = VENUES[venue_key].yahoo_suffix
        if code == "NSE":
            suffix = ".NS"
        symbol = _fd_symbol(row["symbol"].strip(), suffix)
        if not symbol or "." in symbol:  # a suffix of another venue: a row filed under the wrong exchange
            continue
        by_venue.setdefault(venue_key, set()).add((
            symbol.upper(), row["name"], row["isin"], row["currency"], row["country"],
            "1" if row["delisted"] == "True" else "0", SIZES.get(row["market_cap"], "")))
    files: dict[str, Entry] = {}
    (out / NONUS_DIR).mkdir(parents=True, exist_ok=True)
    for stale in (out / NONUS_DIR).glob("*.tsv"):
        if stale.stem not in by_venue:
            stale.unlink()
    source = {"repo": "JerBouma/FinanceDatabase", "commit": "268be5d29898a12dbd6b1f006a0deb55b81a5a29",
              "paths": "database/equities/<YahooExchangeCode>.csv", "raw_sha256": _sha(src)}
    for venue_key, rows in sorted(by_venue.items()):
        path = out / NONUS_DIR / f"{venue_key}.tsv"
        ordered = sorted(rows)
        write_tsv(path, NONUS_COLUMNS, ordered)
        files[f"{NONUS_DIR}/{path.name}"] = entry(
            path, "financedatabase", source, FD_LICENCE, "2026-08-16",
            "commit date of the FinanceDatabase snapshot (partial and partly stale: confirms, never refutes)",
            NONUS_COLUMNS, len(ordered), command, venue=venue_key)
    return files


def build(raw: Path, out: Path, entry: EntryMaker, command: str) -> dict[str, Entry]:
    """Write every raw-derived file into `out`; their MANIFEST entries."""
    files: dict[str, Entry] = {}
    for step in (sec_snapshots, us_listings, us_changes, nonus_listings):
        files.update(step(raw, out, entry, command))
    return files
