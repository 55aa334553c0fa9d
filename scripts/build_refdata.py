#!/usr/bin/env python3
"""Rebuild the bundled reference files in enrich/refdata/data/ from pinned pip packages (build time only).

Run it with an interpreter that has requirements-refdata.txt installed, never the service venv:

    python scripts/build_refdata.py                        # rebuild every bundled file and MANIFEST.json
    python scripts/build_refdata.py --sec-json FILE --sec-as-of 2026-11-28   # SEC list from a downloaded copy
    python scripts/build_refdata.py --download --user-agent "Name name@example.com"   # fetch the SEC list
    python scripts/build_refdata.py --sec-json FILE --sec-as-of DATE --snapshot-dir DIR   # only write DIR/sec-DATE.tsv
    python scripts/build_refdata.py --history --wheel-dir /tmp/wheels   # also data/history/ from older edgartools
    python scripts/build_refdata.py --raw ../shared/data/raw   # also the files built from the shared raw copies
    python scripts/build_refdata.py --raw ../shared/data/raw --only-raw   # only those (standard library only)

The output is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from enrich.domain.venues import VENUES  # noqa: E402
from enrich.errors import RefdataError  # noqa: E402
from enrich.refdata.refresh import (  # noqa: E402 - the SEC list is read and written like `refdata refresh` does
    SEC_URL,
    check_as_of,
    clean,
    fetch,
    parse_sec_json,
    read_source,
    sec_rows,
    write_snapshot,
    write_tsv,
)
from enrich.refdata.snapshots import SEC_COLUMNS  # noqa: E402

sys.path.insert(0, str(REPO / "scripts"))
import refdata_raw  # noqa: E402 - the files built from the shared raw copies

DEFAULT_OUT = REPO / "enrich" / "refdata" / "data"
SEC_LICENCE = "Public domain: U.S. government work (17 U.S.C. 105), published by the SEC"

# Pinned versions and their PyPI upload dates. pip reports no upload time, so each date was found by bisecting
# `pip download --no-deps --uploaded-prior-to DATE pkg==version` (PEP 700 upload-time): present before the
# day after, absent before the day itself. Wheel timestamps are useless here (edgartools' wheel stamps every
# entry 2020-02-02, pytickersymbols' 2016-01-01; iso10383's entries carry 2025-02-15, matching the upload).
PINNED = {
    "edgartools": ("5.62.1", "2026-10-23"),
    "pytickersymbols": ("1.17.10", "2026-03-09"),
    "iso10383": ("2025.2.10", "2025-02-15"),
}
PACKAGE_DATE_KIND = "package release date"

# Files the pinned edgartools ships byte for byte as an earlier release first did: (first version, its upload
# date, sha256 of the file). A bundled file built from one takes that first release's upload date as its as_of
# (the data is no newer), keeping the pinned version as its source; the build refuses a file whose sha256
# differs (a new pin must re-check this table). Found by comparing the file across edgartools wheels: the SEC
# parquet is identical from 5.34.0 to 5.62.1 (5.33.0 differs), ct.pq from 5.46.0 (5.45.1 differs). Upload
# dates found like PINNED's.
FIRST_SHIPPED = {
    "edgar/reference/data/company_tickers.parquet":
        ("5.34.0", "2026-06-02", "992d61ad828ae74192f261e4c2a891966c69928ca56bd092d636c7d001e0b562"),
    "edgar/reference/data/ct.pq":
        ("5.46.0", "2026-08-07", "0be3a804169a06241cf644cf60bb0ad8b35557000deff71d37cd4826e6b2ca2b"),
}

# Older SEC company-tickers lists, bundled as dated snapshots in data/history/sec-<release date>.tsv (--history).
# edgartools ships SEC_PARQUET (cik, ticker, exchange, name) from 5.12.3 on; before, 5.x had company_tickers.pq
# without the exchange (cik, ticker, company) and 2.x-4.x no ticker list at all. Up to 5.62.1 the parquet changed
# only in 5.21.0, 5.26.0 and 5.34.0, so each pin is the first release of one content: its release date is the
# nearest bound on the data's date. 5.34.0's content is 5.62.1's, the bundled sec_company_tickers.tsv (as_of
# 2026-06-02 through FIRST_SHIPPED), so it has no history file. Dates found like PINNED's; the sha256 is that of
# the parquet inside the wheel, checked before use.
SEC_PARQUET = "edgar/reference/data/company_tickers.parquet"
HISTORY_DIR = "history"
HISTORY = (  # (edgartools version, its upload date, sha256 of SEC_PARQUET in its wheel)
    ("5.12.3", "2026-01-29", "46fb236a76b5eaa4d2dd827e96c2550f94a8fe1b319171c9afefe7c8bb89923f"),
    ("5.21.0", "2026-03-05", "ef2fd052a20cacec8d705831941d7840065255cc51db4d4c37e2973303b4c2b2"),
    ("5.26.0", "2026-03-25", "b6e976b21bf188990fdf3b66f096a9fe9da7a90bb8a68b7e0eb43f93df8568f1"),
)

PYTS_COLUMNS = ("symbol", "venue_key", "family_only", "name", "isins", "currency", "yahoo", "google")
MIC_COLUMNS = ("mic", "operating_mic", "oprt_sgmt", "market_name", "acronym", "country", "city", "category",
               "status", "creation_date", "last_update_date")

# Google Finance prefixes in pytickersymbols -> venue key. MCX (Moscow) has no venue: skipped.
GOOGLE_PREFIX = {
    "NASDAQ": "NASDAQ", "NYSE": "NYSE", "NYSEAMERICAN": "NYSE_AMERICAN", "NYSEARCA": "NYSE_ARCA",
    "OTCMKTS": "OTC", "FRA": "FWB", "ETR": "XETRA", "LON": "LSE", "TYO": "TSE", "AMS": "EURONEXT_AMSTERDAM",
    "EPA": "EURONEXT_PARIS", "EBR": "EURONEXT_BRUSSELS", "ELI": "EURONEXT_LISBON", "BME": "BME", "BIT": "BIT",
    "STO": "STO", "HEL": "HEL", "CPH": "CPH", "SWX": "SIX", "OSL": "EURONEXT_OSLO",
}
FAMILY_ONLY_PREFIX = {"NYSE"}  # Google's NYSE: is taken as the NYSE family, like the SEC's "NYSE".
YAHOO_SUFFIX = {v.yahoo_suffix: v.key for v in VENUES.values() if v.yahoo_suffix}
_CUSIP_ARTIFACT = re.compile(r"^(TEST|[A-Z][0-9]{3})")  # test symbols; corporate-action codes like A980RTS


def package_file(dist: str, rel: str) -> Path:
    """A file inside an installed distribution, found without importing the package."""
    path = Path(str(importlib.metadata.distribution(dist).locate_file(rel)))
    if not path.is_file():
        raise SystemExit(f"{dist}: {rel} not found at {path}")
    return path


def check_pins() -> None:
    """Refuse to build from package versions whose release dates this script does not know."""
    for dist, (version, _) in PINNED.items():
        installed = importlib.metadata.version(dist)
        if installed != version:
            raise SystemExit(f"{dist} {installed} installed, {version} pinned: update PINNED and requirements-refdata")


def package_source(dist: str, rel: str) -> dict[str, str]:
    """The MANIFEST `source` entry for a file taken from a pinned package."""
    return {"package": dist, "version": PINNED[dist][0], "path": rel}


def edgartools_as_of(path: Path, rel: str) -> tuple[str, str, dict[str, str]]:
    """as_of, as_of_kind and extra MANIFEST fields for a file of the pinned edgartools (see FIRST_SHIPPED)."""
    version, date = PINNED["edgartools"]
    first = FIRST_SHIPPED.get(rel)
    if first is None:
        return date, PACKAGE_DATE_KIND, {}
    first_version, first_date, sha256 = first
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise SystemExit(f"edgartools {version}: {rel} differs from the sha256 in FIRST_SHIPPED: find the first "
                         "release shipping the new content and update the table")
    kind = (f"first edgartools release shipping this exact file ({first_version}, uploaded {first_date}); "
            f"unchanged through {version}")
    return first_date, kind, {"source_sha256": sha256}


def read_parquet(path: Path) -> list[dict[str, object]]:
    """Rows of a parquet file as dicts (pyarrow only at build time)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def wheel_parquet(version: str, sha256: str, wheel_dir: Path) -> list[dict[str, object]]:
    """The rows of SEC_PARQUET in the edgartools==version wheel (downloaded with pip, never installed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    wheels = sorted(wheel_dir.glob(f"edgartools-{version}-*.whl"))
    if not wheels:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(wheel_dir)]
        if subprocess.run([*pip, f"edgartools=={version}"], check=False).returncode != 0:
            raise SystemExit(f"pip could not download edgartools=={version}")
        wheels = sorted(wheel_dir.glob(f"edgartools-{version}-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one edgartools {version} wheel in {wheel_dir}, found {len(wheels)}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        data = wheel.read(SEC_PARQUET)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SystemExit(f"{wheels[0].name}: {SEC_PARQUET} differs from the sha256 pinned in HISTORY")
    return pq.read_table(pa.BufferReader(data)).to_pylist()  # not io.BytesIO: pyarrow 26 then aborts at exit


def history_snapshots(out: Path, wheel_dir: Path, command: str) -> dict[str, dict[str, object]]:
    """Write out/history/sec-<release date>.tsv for each HISTORY pin (dropping unpinned ones); their entries."""
    files: dict[str, dict[str, object]] = {}
    for version, uploaded, sha256 in HISTORY:
        rows = sec_rows(wheel_parquet(version, sha256, wheel_dir))
        path = write_snapshot(rows, uploaded, out / HISTORY_DIR)
        source = {"package": "edgartools", "version": version, "path": SEC_PARQUET, "upstream": SEC_URL}
        files[f"{HISTORY_DIR}/{path.name}"] = entry(path, "sec-company-tickers", source, SEC_LICENCE, uploaded,
                                                    PACKAGE_DATE_KIND, SEC_COLUMNS, len(rows), command,
                                                    source_sha256=sha256)
    raw_made = {f"history/sec-{date}.tsv" for date, _, _ in refdata_raw.SEC_COPIES}
    for path in (out / HISTORY_DIR).glob("sec-*.tsv"):
        if f"{HISTORY_DIR}/{path.name}" not in files and f"{HISTORY_DIR}/{path.name}" not in raw_made:
            path.unlink()
    return files


def kept(out: Path, wanted: Callable[[str, dict[str, object]], bool]) -> dict[str, dict[str, object]]:
    """The MANIFEST entries already in out/ that `wanted(name, entry)` picks and whose file is there: a build
    without --history or --raw keeps those files as they are."""
    try:
        files = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {name: info for name, info in files.items() if wanted(name, info) and (out / name).is_file()}


def is_history(name: str, entry: dict[str, object]) -> bool:
    """A history snapshot: rebuilt only with --history."""
    del entry
    return name.startswith(f"{HISTORY_DIR}/")


def is_raw(name: str, entry: dict[str, object]) -> bool:
    """A file built from the shared raw copies: rebuilt only with --raw."""
    del name
    return "--raw" in str(entry.get("command", ""))


def sec_download(user_agent: str) -> tuple[list[dict[str, object]], str]:
    """Fetch the SEC list; its records and as-of date (the Last-Modified header, else today in UTC)."""
    body, modified = fetch(user_agent, timeout=60)
    return parse_sec_json(body, SEC_URL), modified or dt.datetime.now(dt.UTC).date().isoformat()


def cusip_tickers(path: Path) -> tuple[list[tuple[str]], dict[str, int]]:
    """The sorted distinct tickers of edgartools' CUSIP table, junk dropped, with counts of what was dropped."""
    tickers = [clean(r["Ticker"]).upper() for r in read_parquet(path)]
    kept = {t for t in tickers if t and not _CUSIP_ARTIFACT.match(t)}
    stats = {"rows_in": len(tickers), "distinct_in": len(set(tickers)), "dropped_distinct": len(set(tickers) - kept)}
    return [(t,) for t in sorted(kept)], stats


def pyts_venue(yahoo: str, google: str) -> tuple[str, str, bool] | None:
    """(symbol, venue key, family_only) for one pytickersymbols entry, or None when no venue can be told."""
    prefix, _, gsym = google.partition(":") if ":" in google else ("", "", "")
    root, dot, suffix = yahoo.rpartition(".")
    by_suffix = YAHOO_SUFFIX.get(f".{suffix}") if dot and root else None
    if prefix:
        venue = GOOGLE_PREFIX.get(prefix)
        if venue is None:
            return None
        if by_suffix == venue:
            symbol = root
        elif VENUES[venue].yahoo_suffix:
            symbol = gsym  # e.g. FRA:BSU written with Yahoo symbol BSU (no .F)
        else:
            symbol = yahoo or gsym
        return (symbol, venue, prefix in FAMILY_ONLY_PREFIX) if symbol else None
    if by_suffix:
        return root, by_suffix, False
    return None  # no prefix, no known suffix (S&P members written AOS, BF.B): venue unknown


def pyts_rows() -> list[tuple[str, ...]]:
    """Every pytickersymbols listing with a venue, deduplicated, sorted."""
    from pytickersymbols.indices_data import INDICES

    merged: dict[tuple[str, str, str, str], dict[str, object]] = {}
    for index in INDICES.values():
        for company in index["companies"]:
            name = clean(company.get("name"))
            isins = [clean(i) for i in company.get("isins") or [] if clean(i)]
            entries = [(clean(s.get("yahoo")), clean(s.get("google")), clean(s.get("currency")))
                       for s in company.get("symbols") or []]
            top = clean(company.get("symbol"))
            if top and "." in top and top not in {e[0] for e in entries}:
                entries.append((top, "", ""))  # the company's main symbol, often missing from `symbols`
            for yahoo, google, currency in entries:
                found = pyts_venue(yahoo, google)
                if found is None:
                    continue
                symbol, venue, family_only = found
                key = (symbol.upper(), venue, "1" if family_only else "0", name)
                row = merged.setdefault(key, {"isins": set(), "currency": currency, "yahoo": yahoo, "google": google})
                row["isins"].update(isins)
                for field, value in (("currency", currency), ("google", google)):
                    if not row[field] and value:
                        row[field] = value
    return sorted(
        (sym, venue, fam, name, " ".join(sorted(v["isins"])), v["currency"], v["yahoo"], v["google"])
        for (sym, venue, fam, name), v in merged.items()
    )


def mic_rows() -> list[tuple[str, ...]]:
    """Every ISO 10383 entry the iso10383 package holds, sorted by MIC."""
    from iso10383 import MIC

    rows = []
    for member in MIC:
        e = member.value
        operating = e.operating_mic.mic if e.operating_mic is not None else e.mic
        rows.append((
            e.mic, operating, "OPRT" if operating == e.mic else "SGMT", e.market_name, e.acronym or "",
            e.iso_country_code.name.rstrip("_").upper() if e.iso_country_code else "",
            e.city.name.replace("_", " ").upper() if e.city else "",
            e.market_category_code.name.upper(), e.status.name.upper(),
            e.creation_date.isoformat() if e.creation_date else "",
            e.last_update_date.isoformat() if e.last_update_date else "",
        ))
    return sorted(rows)


def licence_of(dist: str) -> str:
    """What a distribution's METADATA says about its licence."""
    meta = importlib.metadata.metadata(dist)
    declared = meta.get("License-Expression") or meta.get("License") or "?"
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return f"{declared} (dist-info METADATA; classifiers: {', '.join(classifiers) or 'none'})"


def entry(path: Path, source_name: str, source: dict[str, str], licence: str, as_of: str, as_of_kind: str,
          columns: tuple[str, ...], rows: int, command: str, **extra: object) -> dict[str, object]:
    """One MANIFEST entry for a written file."""
    data = path.read_bytes()
    return {
        "source_name": source_name, "source": source, "licence": licence, "as_of": as_of,
        "as_of_kind": as_of_kind, "columns": list(columns), "rows": rows, "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "command": command, **extra,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and write the requested files."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="data directory (default: bundled)")
    ap.add_argument("--sec-json", type=Path, help="SEC company_tickers_exchange.json to use instead of edgartools'")
    ap.add_argument("--sec-as-of", help="as-of date (YYYY-MM-DD) of --sec-json")
    ap.add_argument("--download", action="store_true", help=f"download {SEC_URL}")
    ap.add_argument("--user-agent", default="", help='for --download: "Name email@example.com" (SEC rule)')
    ap.add_argument("--snapshot-dir", type=Path, help="write only DIR/sec-<as_of>.tsv, not the bundled files")
    ap.add_argument("--history", action="store_true",
                    help="also write history/sec-<release date>.tsv from the edgartools releases in HISTORY "
                         "(downloads their wheels with pip; without it the existing history entries are kept)")
    ap.add_argument("--wheel-dir", type=Path, help="for --history: keep downloaded wheels here (default: a temp dir)")
    ap.add_argument("--raw", type=Path, help="also build the files that come from the raw copies in this folder "
                                             "(shared/data/raw; see its SOURCES.md); without it they are kept")
    ap.add_argument("--only-raw", action="store_true", help="with --raw: only those files, keeping every other one")
    ap.add_argument("--names", action="store_true",
                    help="only names.tsv, the company-name index, from the bundled files (needs requirements-dev.txt)")
    args = ap.parse_args(argv)
    if args.names:
        return build_names_only(args.out)
    if args.only_raw:
        if not args.raw:
            ap.error("--only-raw needs --raw")
        return build_raw_only(args.out, args.raw)
    if args.history and args.snapshot_dir:
        ap.error("--history writes into the data directory; drop --snapshot-dir")
    if args.sec_json and not args.sec_as_of:
        ap.error("--sec-json needs --sec-as-of")
    if args.download and (args.sec_json or args.sec_as_of):
        ap.error("--download takes its as-of date from the response; drop --sec-json/--sec-as-of")
    if args.sec_as_of:
        try:
            check_as_of(args.sec_as_of)
        except RefdataError:
            ap.error(f"--sec-as-of {args.sec_as_of!r} is not a YYYY-MM-DD date")
    if not (args.snapshot_dir and (args.sec_json or args.download)):
        check_pins()  # a snapshot from a downloaded SEC file needs none of the pinned packages

    command = "python scripts/build_refdata.py"
    sec_extra: dict[str, str] = {}
    if args.download:
        records, sec_as_of = sec_download(args.user_agent)
        sec_source = {"url": SEC_URL}
        sec_kind, sec_command = "Last-Modified of the download", command + " --download --user-agent '...'"
    elif args.sec_json:
        records, sec_as_of = parse_sec_json(read_source(args.sec_json), str(args.sec_json)), args.sec_as_of
        sec_source = {"url": SEC_URL, "file": args.sec_json.name}
        sec_kind = "data date given by --sec-as-of"
        sec_command = f"{command} --sec-json {args.sec_json.name} --sec-as-of {args.sec_as_of}"
    else:
        parquet = package_file("edgartools", SEC_PARQUET)
        records = read_parquet(parquet)
        sec_source = {**package_source("edgartools", SEC_PARQUET), "upstream": SEC_URL}
        sec_as_of, sec_kind, sec_extra = edgartools_as_of(parquet, SEC_PARQUET)
        sec_command = command
        if args.sec_as_of:  # an explicit date for edgartools' list overrides its release date
            sec_as_of, sec_kind = args.sec_as_of, "data date given by --sec-as-of"
            sec_command = f"{command} --sec-as-of {args.sec_as_of}"
    sec = sec_rows(records)

    if args.snapshot_dir:
        path = write_snapshot(sec, sec_as_of, args.snapshot_dir)
        print(f"wrote {path} ({len(sec)} rows)")
        return 0

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}

    path = out / "sec_company_tickers.tsv"
    write_tsv(path, SEC_COLUMNS, sec)
    files[path.name] = entry(path, "sec-company-tickers", sec_source, SEC_LICENCE, sec_as_of, sec_kind,
                             SEC_COLUMNS, len(sec), sec_command, **sec_extra)

    rel = "edgar/reference/data/ct.pq"
    ct = package_file("edgartools", rel)
    tickers, stats = cusip_tickers(ct)
    ct_as_of, ct_kind, ct_extra = edgartools_as_of(ct, rel)
    path = out / "cusip_tickers.txt"
    write_tsv(path, ("ticker",), tickers)
    files[path.name] = entry(
        path, "cusip-tickers", package_source("edgartools", rel),
        f"edgartools: {licence_of('edgartools')}. Only the distinct tickers are bundled, no CUSIPs (CUSIP "
        "identifiers are CUSIP Global Services data). edgartools says the table is generated upstream by its "
        "edgar-storage project; its origin is not documented further",
        ct_as_of, ct_kind, ("ticker",), len(tickers), command, filter=stats, **ct_extra)

    path = out / "pytickersymbols.tsv"
    rows = pyts_rows()
    write_tsv(path, PYTS_COLUMNS, rows)
    files[path.name] = entry(
        path, "pytickersymbols", package_source("pytickersymbols", "pytickersymbols/indices_data.py"),
        f"{licence_of('pytickersymbols')}; licenses/LICENSE: MIT License, Copyright (c) 2023 portfolio+. "
        "indices_data.py says it is generated from Wikipedia data (CC BY-SA text); only facts are bundled "
        "(symbols, venues, names, ISINs, currencies)",
        PINNED["pytickersymbols"][1], PACKAGE_DATE_KIND, PYTS_COLUMNS, len(rows), command)

    path = out / "iso10383_mic.tsv"
    rows = mic_rows()
    write_tsv(path, MIC_COLUMNS, rows)
    files[path.name] = entry(
        path, "iso10383", package_source("iso10383", "iso10383/_data"),
        f"iso10383 wrapper: {licence_of('iso10383')}; the ISO 10383 MIC list itself is published free of charge "
        "by the registration authority (SWIFT) at iso20022.org",
        PINNED["iso10383"][1], PACKAGE_DATE_KIND, MIC_COLUMNS, len(rows), command,
        data_note="package version 2025.2.10 names the ISO publication it wraps; newest creation date inside: "
                  + max(r[9] for r in rows))

    if args.history:
        if args.wheel_dir:
            args.wheel_dir.mkdir(parents=True, exist_ok=True)
            files.update(history_snapshots(out, args.wheel_dir, f"{command} --history"))
        else:
            with tempfile.TemporaryDirectory() as wheel_dir:
                files.update(history_snapshots(out, Path(wheel_dir), f"{command} --history"))
    else:
        files.update(kept(out, is_history))
    if args.raw:
        files.update(refdata_raw.build(args.raw, out, entry, f"{command} --raw DIR"))
    else:
        files.update(kept(out, is_raw))
    write_manifest(out, files)
    return 0


def build_raw_only(out: Path, raw: Path) -> int:
    """Rebuild the raw-derived files and keep every other MANIFEST entry as it is."""
    files = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    others = {name: info for name, info in files.items() if not is_raw(name, info)}
    others.update(refdata_raw.build(raw, out, entry, "python scripts/build_refdata.py --raw DIR --only-raw"))
    write_manifest(out, others)
    return 0


def build_names_only(out: Path) -> int:
    """Rebuild names.tsv from the data directory's own files and keep every other MANIFEST entry."""
    import refdata_names  # noqa: PLC0415 - needs cleanco, english-words and wordfreq (requirements-dev.txt)

    files = json.loads((out / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    files.update(refdata_names.build(out, entry, "python scripts/build_refdata.py --names"))
    write_manifest(out, files)
    return 0


def write_manifest(out: Path, files: dict[str, dict[str, object]]) -> None:
    """MANIFEST.json for `files`, sorted, and a line per file."""
    manifest = {"format": 1, "files": dict(sorted(files.items()))}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, info in sorted(files.items()):
        print(f"{name}: {info['rows']} rows, {info['bytes']} bytes, as_of {info['as_of']}")


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except RefdataError as exc:  # a malformed SEC file, an unknown exchange label, a failed download
        raise SystemExit(f"error: {exc}") from None
