"""Tests for the bundled reference index (enrich.refdata): known answers, snapshots, renames, integrity."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from enrich.domain.reference import Reference, Rename
from enrich.refdata.index import DATA_DIR, RefdataError, ReferenceIndex, default_index, load_index

FIXTURES = Path(__file__).parent / "fixtures" / "snapshots"
REPO = Path(__file__).resolve().parents[2]
DOCS = {"MANIFEST.json", "README.md"}
MANIFEST = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
BUNDLED_AS_OF = MANIFEST["sec_company_tickers.tsv"]["as_of"]
HISTORY = sorted(name for name in MANIFEST if name.startswith("history/"))  # history/sec-DATE.tsv, oldest first
BUNDLED = [*(name[len("history/sec-"):-len(".tsv")] for name in HISTORY), BUNDLED_AS_OF]  # every bundled list


def data_files(root: Path) -> set[str]:
    """The data files under `root`, as paths relative to it (as MANIFEST.json names them), docs left out."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - DOCS


@pytest.fixture(scope="module")
def index() -> ReferenceIndex:
    return load_index()


def venues(ix: ReferenceIndex, symbol: str, source: str) -> set[tuple[str, bool]]:
    return {(x.venue_key, x.family_only) for x in ix.listings(symbol) if x.source == source}


def test_implements_reference_protocol(index):
    methods = [n for n, v in vars(Reference).items() if callable(v) and not n.startswith("_")]
    assert len(methods) == 14
    for name in methods:
        ours, theirs = inspect.signature(getattr(ReferenceIndex, name)), inspect.signature(getattr(Reference, name))
        assert list(ours.parameters) == list(theirs.parameters), name
        assert ours.return_annotation == theirs.return_annotation, name


def test_sec_listings(index):
    assert venues(index, "MSFT", "sec-company-tickers") == {("NASDAQ", False)}
    msft = [x for x in index.listings("msft") if x.source == "sec-company-tickers"][0]
    assert msft.symbol == "MSFT" and msft.name == "MICROSOFT CORP"
    # The SEC writes "NYSE" for NYSE, NYSE American and NYSE Arca: only the family is known.
    assert venues(index, "IONQ", "sec-company-tickers") == {("NYSE", True)}
    assert venues(index, "QBTS", "sec-company-tickers") == {("NYSE", True)}


@pytest.mark.parametrize("written", ["BRK-B", "BRK.B", "brk/b", "BRK B"])
def test_class_shares_any_separator(index, written):
    found = index.listings(written)
    assert found and all(x.symbol == "BRK-B" for x in found)
    assert ("NYSE", True) in venues(index, written, "sec-company-tickers")


def test_pytickersymbols_listings(index):
    assert ("OTC", False) in venues(index, "BAYRY", "pytickersymbols")
    assert ("TSE", False) in venues(index, "7203", "pytickersymbols")
    assert ("LSE", False) in venues(index, "VOD", "pytickersymbols")
    assert ("FWB", False) in venues(index, "SAP", "pytickersymbols")
    assert ("XETRA", False) in venues(index, "SAP", "pytickersymbols")  # from the company's main .DE symbol
    assert ("NYSE", True) in venues(index, "BRK-B", "pytickersymbols")  # Google's NYSE: prefix
    for symbol in ("SAP", "VOD", "BRK-B", "7203"):
        listed = index.listings(symbol)
        assert len(listed) == len(set(listed)), "identical listings are deduplicated"


def test_unknown_symbol(index):
    assert index.listings("ZZZZQX") == ()
    assert index.renamed("ZZZZQX") == ()


def test_sec_rows_without_exchange_are_not_listings(index):
    rows = (DATA_DIR / "sec_company_tickers.tsv").read_text(encoding="utf-8").splitlines()[1:]
    blank = [r.split("\t")[1] for r in rows if r.split("\t")[2] == ""]
    assert blank, "the SEC list has registrants without an exchange"
    for ticker in blank[:20]:
        assert not any(x.source == "sec-company-tickers" for x in index.listings(ticker))


def test_complete_for(index):
    for venue in ("NASDAQ", "NYSE", "NYSE_AMERICAN"):
        assert index.complete_for(venue) == "sec-company-tickers"
    for venue in ("NYSE_ARCA", "CBOE", "OTC", "TSE", "LSE", "NOPE"):
        assert index.complete_for(venue) is None


def test_covered_by(index):
    sec, us, pyts, fd = "sec-company-tickers", "us-listing-history", "pytickersymbols", "financedatabase"
    assert index.covered_by("NASDAQ") == (sec, us, pyts)  # in SOURCE_ORDER, not alphabetical
    # The SEC and pytickersymbols name only the NYSE family, which covers NYSE Arca; the dated US history names
    # NYSE Arca itself (NASDAQ Trader lists it completely in 2014-16).
    assert index.covered_by("NYSE_ARCA") == (sec, us, pyts)
    assert index.covered_by("CBOE") == (sec, us)
    assert index.covered_by("TSE") == (pyts, fd)
    assert index.covered_by("HKEX") == (fd,)  # FinanceDatabase's table only
    assert index.covered_by("MUN") == (fd,)  # a German regional floor
    assert index.covered_by("NOPE") == ()


def test_trades_in_us(index):
    assert index.trades_in_us("XIACY")
    assert index.trades_in_us("MSFT")
    assert index.trades_in_us("BRK.B")  # the CUSIP table writes BRKB
    assert index.trades_in_us("PSA-PM")  # ... PSAPRM for preferreds
    assert index.trades_in_us("IONQ-WT")  # ... IONQWS for warrants
    assert not index.trades_in_us("ZZZZQX")
    assert not index.trades_in_us("TESTA")  # test symbols are dropped at build time


def test_by_name(index):
    found = index.by_name("Apple Inc.")
    assert "AAPL" in {x.symbol for x in found}
    assert found[0].name in ("Apple Inc.", "APPLE INC")  # best match first, not just any "Apple ..." company
    assert len(index.by_name("Bank of America")) <= 50
    assert "BAC" in {x.symbol for x in index.by_name("Bank of America")}
    assert index.by_name("") == ()


def test_warm_builds_lazy_parts():
    ix = load_index(snapshot_dir=FIXTURES)
    ix.warm()
    assert ix.renamed("FB") and ix.by_name("Microsoft") and ix.mic("XNAS")


def test_as_of_and_info(index):
    manifest = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
    assert index.as_of("sec-company-tickers") == manifest["sec_company_tickers.tsv"]["as_of"]
    assert index.as_of("pytickersymbols") == manifest["pytickersymbols.tsv"]["as_of"]
    assert index.as_of("us-listing-history") == manifest["us_listings.tsv"]["as_of"]
    assert index.as_of("financedatabase") == manifest["nonus/HKEX.tsv"]["as_of"]
    assert index.as_of("nope") is None
    info = index.info()
    assert set(info["sources"]) == {"sec-company-tickers", "us-listing-history", "pytickersymbols", "financedatabase",
                                    "cusip-tickers", "iso10383", "name-index"}
    for name, source in info["sources"].items():
        assert source["as_of"] and source["licence"] and source["rows"] > 0, name
        # FinanceDatabase is one table per venue: its `file` is their folder.
        assert Path(source["file"]).is_dir() if name == "financedatabase" else Path(source["file"]).is_file(), name
    assert info["sources"]["us-listing-history"]["changes"] == manifest["us_changes.tsv"]["rows"]
    tables = {name: entry for name, entry in manifest.items() if name.startswith("nonus/")}
    fd = info["sources"]["financedatabase"]
    assert fd["venues"] == sorted(name[len("nonus/"):-len(".tsv")] for name in tables)
    assert fd["rows"] == sum(entry["rows"] for entry in tables.values())
    assert info["listings"] > 10_000 and info["load_ms"] > 0
    json.dumps(info)


def test_mic(index):
    assert index.mic("xnys")["market_name"].startswith("NEW YORK STOCK EXCHANGE")
    assert index.mic("ARCX")["operating_mic"] == "XNYS"
    assert index.mic("ARCX")["oprt_sgmt"] == "SGMT"
    assert index.mic("NOPE") is None


def test_default_index_is_cached_and_not_loaded_at_import():
    code = (
        "import enrich.refdata, enrich.refdata.index as m; "
        "assert m.default_index.cache_info().currsize == 0; "
        "assert m.default_index() is m.default_index()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    assert default_index() is default_index()


# --- snapshots and renames ------------------------------------------------------------------------


def test_renames_from_snapshots():
    ix = load_index(snapshot_dir=FIXTURES)
    # The fixtures fall between the two oldest bundled lists (2022-05-19: FB; 2023-05-26: META) ...
    assert ix.snapshots()[:4] == [BUNDLED[0], "2022-06-08", "2022-06-10", BUNDLED[1]]
    # ... and pin the rename down to the two days around it, closer than the bundled lists alone.
    assert ix.renamed("FB") == (
        Rename("FB", "META", "NASDAQ", "Meta Platforms, Inc.", "2022-06-08", "2022-06-10", "sec-company-tickers"),
    )
    assert ix.renamed("fb") == ix.renamed("FB")
    # From a registrant without an exchange to an NYSE listing.
    assert [(r.old, r.new, r.venue_key) for r in ix.renamed("PRVT")] == [("PRVT", "PUBL", "NYSE")]
    assert ix.renamed("OLDA") == ()  # lost two, gained two: no way to pair them
    assert ix.renamed("GONE") == ()  # lost one, gained none
    assert ix.renamed("MSFT") == ()
    # The bundled list is newer than the fixtures, so it still drives listings.
    assert ix.as_of("sec-company-tickers") == load_index().as_of("sec-company-tickers")
    assert ix.listings("FB") == () or all(x.source != "sec-company-tickers" for x in ix.listings("FB"))


def test_renames_from_bundled_history(index):
    assert index.snapshots() == BUNDLED and BUNDLED[-1] == index.as_of("sec-company-tickers")
    # Meta Platforms (CIK 1326801) traded as FB until June 2022 and as META since: the SEC lists of 2022-05-19
    # and 2023-05-26 bracket it, and the daily screener history dates it to 2022-06-09 / 2022-06-10.
    assert index.renamed("FB") == (
        Rename("FB", "META", "NASDAQ", "Meta Platforms, Inc.", "2022-05-19", "2023-05-26", "sec-company-tickers"),
    )
    (change,) = index.changes("FB")
    assert index.renamed("FB")[0].seen_old < change.last_old < change.first_new < index.renamed("FB")[0].seen_new
    assert [(r.old, r.new, r.venue_key, r.seen_old, r.seen_new) for r in index.renamed("MMC")] == [
        ("MMC", "MRSH", "NYSE", "2026-01-29", "2026-03-05")]
    assert [(r.new, r.seen_old, r.seen_new) for r in index.renamed("PSTG")] == [("P", "2026-03-25", BUNDLED_AS_OF)]


def test_newest_snapshot_drives_listings(tmp_path):
    shutil.copy(FIXTURES / "sec-2022-06-10.tsv", tmp_path / "sec-2099-01-01.tsv")
    (tmp_path / "notes.txt").write_text("ignored")
    ix = load_index(snapshot_dir=tmp_path)
    assert ix.as_of("sec-company-tickers") == "2099-01-01"
    assert ix.info()["sources"]["sec-company-tickers"]["rows"] == 7
    assert venues(ix, "META", "sec-company-tickers") == {("NASDAQ", False)}
    assert venues(ix, "AAPL", "sec-company-tickers") == set()  # not in this snapshot
    assert ("NASDAQ", False) in venues(ix, "AAPL", "pytickersymbols")
    assert ix.complete_for("NASDAQ") == "sec-company-tickers"


def test_missing_snapshot_dir_is_empty(tmp_path):
    ix = load_index(snapshot_dir=tmp_path / "not-yet")
    assert ix.snapshots() == BUNDLED


# --- the bundled history ----------------------------------------------------------------------------


def test_bundled_history_is_loaded_by_default(index):
    # Three SEC copies from public repositories (--raw) and three edgartools releases (--history), then the list.
    history = ["2022-05-19", "2023-05-26", "2025-12-14", "2026-01-29", "2026-03-05", "2026-03-25"]
    assert BUNDLED == [*history, "2026-06-02"] and BUNDLED_AS_OF == "2026-06-02"
    assert index.snapshots() == BUNDLED
    files = index.info()["sec_snapshot_files"]
    assert [(f["as_of"], f["origin"]) for f in files] == [
        *((as_of, "bundled history") for as_of in history), (BUNDLED_AS_OF, "bundled")]
    assert [Path(f["file"]) for f in files] == [DATA_DIR / name for name in HISTORY] + [
        DATA_DIR / "sec_company_tickers.tsv"]
    json.dumps(index.info())


def test_bundled_history_is_read_lazily():
    ix = load_index()
    assert ix._history is None and ix._renames is None, "older lists are not read at load"
    ix.history("AZN")
    assert ix._history is not None and ix._renames is None
    ix.renamed("AZN")
    assert ix._renames is not None


def test_venue_moves_in_bundled_history(index):
    sec = "sec-company-tickers"
    nasdaq_before = [(as_of, "NASDAQ", False) for as_of in ["2026-01-29", "2025-12-14", "2023-05-26", "2022-05-19"]]
    # AstraZeneca moved its US listing from Nasdaq to the NYSE between the lists of 2026-01-29 and 2026-03-05.
    azn = [(as_of, x.venue_key, x.family_only) for as_of, x in index.history("AZN")]
    assert azn == [("2026-03-25", "NYSE", True), ("2026-03-05", "NYSE", True), *nasdaq_before]
    assert venues(index, "AZN", sec) == {("NYSE", True)}
    # Dime Community: Nasdaq in every list before the bundled one (2026-06-02), NYSE in it.
    dcom = [(as_of, x.venue_key, x.family_only) for as_of, x in index.history("DCOM")]
    assert dcom == [("2026-03-25", "NASDAQ", False), ("2026-03-05", "NASDAQ", False), *nasdaq_before]
    assert venues(index, "DCOM", sec) == {("NYSE", True)}


def test_refreshed_snapshot_wins_a_tie_with_bundled_history(tmp_path):
    shutil.copy(FIXTURES / "sec-2022-06-10.tsv", tmp_path / "sec-2026-03-05.tsv")
    ix = load_index(snapshot_dir=tmp_path)
    assert ix.snapshots() == BUNDLED
    origins = {f["as_of"]: (f["origin"], f["file"]) for f in ix.info()["sec_snapshot_files"]}
    assert origins["2026-03-05"] == ("snapshot_dir", str(tmp_path / "sec-2026-03-05.tsv"))
    assert origins["2026-01-29"][0] == "bundled history"
    # AZN is not in the fixture: the replaced list no longer gives it, every other one does.
    assert [a for a, _ in ix.history("AZN")] == ["2026-03-25", "2026-01-29", "2025-12-14", "2023-05-26", "2022-05-19"]
    assert "2026-03-05" in [a for a, _ in ix.history("META")]


def test_corrupt_bundled_history_raises(data_copy):
    path = data_copy / HISTORY[1]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit: same size, same shape
    path.write_bytes(bytes(data))
    ix = load_index(data_copy)  # only the newest list is read at load
    with pytest.raises(RefdataError, match="sha256"):
        ix.history("AZN")
    with pytest.raises(RefdataError, match="sha256"):
        ix.renamed("AZN")


def test_missing_bundled_history_raises(data_copy):
    (data_copy / HISTORY[0]).unlink()
    with pytest.raises(RefdataError, match="missing"):
        load_index(data_copy)


def test_unlisted_bundled_history_raises(data_copy):
    shutil.copy(FIXTURES / "sec-2022-06-10.tsv", data_copy / "history" / "sec-2022-06-10.tsv")
    with pytest.raises(RefdataError, match="not in MANIFEST"):
        load_index(data_copy)


# --- corrupt data ---------------------------------------------------------------------------------


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def rewrite_manifest(data_dir: Path, name: str) -> None:
    """Make MANIFEST.json agree with an edited file, so only the file's content is wrong."""
    path = data_dir / "MANIFEST.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["files"][name]["sha256"] = hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_copy_loads(data_copy):
    assert load_index(data_copy).listings("MSFT")


@pytest.mark.parametrize("name", ["sec_company_tickers.tsv", "cusip_tickers.txt", "pytickersymbols.tsv",
                                  "iso10383_mic.tsv", "MANIFEST.json"])
def test_missing_file_raises(data_copy, name):
    (data_copy / name).unlink()
    with pytest.raises(RefdataError, match=name.split(".")[0]):
        load_index(data_copy)


def test_edited_file_fails_checksum(data_copy):
    with (data_copy / "pytickersymbols.tsv").open("a", encoding="utf-8") as f:
        f.write("EVIL\tNASDAQ\t0\tEvil Corp\t\tUSD\tEVIL\tNASDAQ:EVIL\n")
    with pytest.raises(RefdataError, match="sha256"):
        load_index(data_copy)


def test_malformed_rows_raise(data_copy):
    with (data_copy / "sec_company_tickers.tsv").open("a", encoding="utf-8") as f:
        f.write("123\tONLYTWO\n")
    rewrite_manifest(data_copy, "sec_company_tickers.tsv")
    with pytest.raises(RefdataError, match="fields"):
        load_index(data_copy)


def test_wrong_header_raises(data_copy):
    path = data_copy / "pytickersymbols.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("symbol\t", "ticker\t", 1), encoding="utf-8")
    rewrite_manifest(data_copy, "pytickersymbols.tsv")
    with pytest.raises(RefdataError, match="header"):
        load_index(data_copy)


def test_garbage_manifest_raises(data_copy):
    (data_copy / "MANIFEST.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RefdataError):
        load_index(data_copy)
    (data_copy / "MANIFEST.json").write_text("[]", encoding="utf-8")
    with pytest.raises(RefdataError, match="files"):
        load_index(data_copy)


def test_unknown_sec_exchange_raises(tmp_path):
    (tmp_path / "sec-2099-01-01.tsv").write_text("cik\tticker\texchange\tname\n1\tABC\tMOON\tMoon Corp\n")
    with pytest.raises(RefdataError, match="MOON"):
        load_index(snapshot_dir=tmp_path)


def test_bad_older_snapshot_raises_on_renamed(tmp_path):
    (tmp_path / "sec-2000-01-01.tsv").write_text("not a header\n")
    ix = load_index(snapshot_dir=tmp_path)  # only the newest list is read at load
    with pytest.raises(RefdataError, match="header"):
        ix.renamed("FB")


def test_short_row_in_older_snapshot_raises_on_history(tmp_path):
    (tmp_path / "sec-2000-01-01.tsv").write_text("cik\tticker\texchange\tname\n1\tABC\tNasdaq\n")
    ix = load_index(snapshot_dir=tmp_path)
    with pytest.raises(RefdataError, match=r"sec-2000-01-01.tsv:2: 3 fields, expected 4"):
        ix.history("ABC")
    with pytest.raises(RefdataError, match="3 fields"):
        ix.renamed("ABC")


def test_rename_names_the_issuer_itself(tmp_path):
    """The new ticker's exchange and name come from the renamed CIK's own line, not another CIK's with it."""
    header = "cik\tticker\texchange\tname\n"
    (tmp_path / "sec-2000-01-01.tsv").write_text(header + "1\tOLDX\tNasdaq\tOld Name Inc\n")
    (tmp_path / "sec-2000-02-01.tsv").write_text(
        header + "1\tNEWX\tNasdaq\tOld Name Inc\n2\tNEWX\tNYSE\tOther Corp\n")
    ix = load_index(snapshot_dir=tmp_path)
    assert [(r.new, r.venue_key, r.name, r.seen_old, r.seen_new) for r in ix.renamed("OLDX")] == [
        ("NEWX", "NASDAQ", "Old Name Inc", "2000-01-01", "2000-02-01")]


def test_history_runs_across_gaps_and_changed_lines(tmp_path):
    header = "cik\tticker\texchange\tname\n"
    lists = {  # XQZA leaves and returns; XQZB changes CIK, not listing; XQZC moves venue
        "2000-01-01": "1\tXQZA\tNasdaq\tX Corp\n2\tXQZB\tNYSE\tY Corp\n4\tXQZC\tNasdaq\tZ Corp\n",
        "2000-02-01": "3\tXQZB\tNYSE\tY Corp\n4\tXQZC\tNYSE\tZ Corp\n",
        "2000-03-01": "1\tXQZA\tNasdaq\tX Corp\n3\tXQZB\tNYSE\tY Corp\n4\tXQZC\tNYSE\tZ Corp\n",
        "2099-01-01": "",
    }
    for as_of, body in lists.items():
        (tmp_path / f"sec-{as_of}.tsv").write_text(header + body)
    ix = load_index(snapshot_dir=tmp_path)
    xqza = ix.history("XQZA")
    assert [a for a, _ in xqza] == ["2000-03-01", "2000-01-01"] and xqza[0][1] is xqza[1][1]
    assert [a for a, _ in ix.history("XQZB")] == ["2000-03-01", "2000-02-01", "2000-01-01"]
    assert len({listing for _, listing in ix.history("XQZB")}) == 1
    assert [(a, x.venue_key) for a, x in ix.history("XQZC")] == [
        ("2000-03-01", "NYSE"), ("2000-02-01", "NYSE"), ("2000-01-01", "NASDAQ")]


def test_bad_snapshot_date_raises(tmp_path):
    (tmp_path / "sec-2026-13-45.tsv").write_text("cik\tticker\texchange\tname\n")
    with pytest.raises(RefdataError):
        load_index(snapshot_dir=tmp_path)


# --- bundled files and MANIFEST -------------------------------------------------------------------


def test_manifest_matches_files():
    manifest = MANIFEST
    assert data_files(DATA_DIR) == set(manifest), "every bundled data file is listed in MANIFEST.json, and only those"
    for name, entry in manifest.items():
        data = (DATA_DIR / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert len(data) == entry["bytes"], name
        lines = data.decode("utf-8").split("\n")
        assert lines[-1] == "" and lines[0].split("\t") == entry["columns"], name
        assert len(lines) - 2 == entry["rows"], name
        for key in ("source", "licence", "as_of", "as_of_kind", "command", "source_name"):
            assert entry.get(key), f"{name}: {key}"
        assert entry["as_of"][:2] == "20" and len(entry["as_of"]) == 10
        source = entry["source"]
        if "--names" in entry["command"]:  # built from the bundled files themselves and the curated short forms
            assert source["built_from"] and source["tools"], name
        elif "--raw" in entry["command"]:  # built from a raw copy of a file committed to a public repository
            pinned = repo_sources(source)
            assert pinned, f"{name}: no repo in {source}"
            for copy in pinned:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+", copy["repo"]), name
                assert re.fullmatch(r"[0-9a-f]{40}", copy["commit"]), name
                assert copy.get("raw_sha256"), f"{name}: the raw copy it was built from"
        else:
            assert source.get("url") or (source.get("package") and source.get("version") and source.get("path"))


def repo_sources(source: dict | list) -> list[dict]:
    """Every {repo, commit, ...} a source names: itself, or those it holds by sub-source (us_listings.tsv)."""
    if isinstance(source, dict) and "repo" in source:
        return [source]
    parts = source if isinstance(source, list) else source.values()
    return [found for part in parts if isinstance(part, dict | list) for found in repo_sources(part)]


def test_bundled_files_have_no_stray_whitespace():
    names = data_files(DATA_DIR)
    assert any(name.startswith("history/") for name in names)
    for name in names:
        for line in (DATA_DIR / name).read_text(encoding="utf-8").split("\n")[:-1]:
            assert "\r" not in line and line == line.strip(" "), f"{name}: {line!r}"


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def test_bundled_as_of_is_the_first_release_of_the_content():
    for name, version in (("sec_company_tickers.tsv", "5.34.0"), ("cusip_tickers.txt", "5.46.0")):
        entry = MANIFEST[name]
        assert entry["source"]["package"] == "edgartools", name
        assert vtuple(entry["source"]["version"]) >= vtuple(version), name
        assert f"({version}, uploaded {entry['as_of']})" in entry["as_of_kind"], name
        assert entry["as_of_kind"].endswith(f"unchanged through {entry['source']['version']}"), name
    assert not any(MANIFEST[name]["sha256"] == MANIFEST["sec_company_tickers.tsv"]["sha256"] for name in HISTORY)


# --- the build script (a full rebuild needs the build venv: REFDATA_BUILD_PYTHON=/path/to/python) ----

BUILD_PYTHON = os.environ.get("REFDATA_BUILD_PYTHON")
needs_build_venv = pytest.mark.skipif(not BUILD_PYTHON, reason="set REFDATA_BUILD_PYTHON to a python with "
                                      "requirements-refdata.txt installed")


@needs_build_venv
def test_build_is_deterministic_and_matches_bundled(tmp_path):
    # A build without --history keeps the history/ files and their MANIFEST entries it finds in --out, so each
    # output folder starts with the bundled ones; everything else is rebuilt from the pinned packages.
    for run in ("a", "b"):
        out = tmp_path / run
        shutil.copytree(DATA_DIR / "history", out / "history")
        shutil.copy(DATA_DIR / "MANIFEST.json", out / "MANIFEST.json")
        subprocess.run([BUILD_PYTHON, "scripts/build_refdata.py", "--out", str(out)],
                       check=True, cwd=REPO, capture_output=True)
    built = data_files(tmp_path / "a") | {"MANIFEST.json"}
    assert built == data_files(DATA_DIR) | {"MANIFEST.json"}
    for name in sorted(built):
        data = (tmp_path / "a" / name).read_bytes()
        assert data == (tmp_path / "b" / name).read_bytes(), name
        assert data == (DATA_DIR / name).read_bytes(), f"{name} differs from bundled"


def test_build_snapshot_from_sec_json(tmp_path):
    """Snapshot mode needs only the standard library, so it runs in the service venv."""
    doc = {"fields": ["cik", "name", "ticker", "exchange"],
           "data": [[1326801, "Meta Platforms, Inc.", "META", "Nasdaq"], [9999903, "No\tExchange", "prvt", None]]}
    (tmp_path / "sec.json").write_text(json.dumps(doc))
    subprocess.run([sys.executable, "scripts/build_refdata.py", "--sec-json", str(tmp_path / "sec.json"),
                    "--sec-as-of", "2099-02-03", "--snapshot-dir", str(tmp_path / "snaps")],
                   check=True, cwd=REPO, capture_output=True)
    written = (tmp_path / "snaps" / "sec-2099-02-03.tsv").read_text(encoding="utf-8")
    assert written.split("\n") == [
        "cik\tticker\texchange\tname",
        "1326801\tMETA\tNasdaq\tMeta Platforms, Inc.",
        "9999903\tPRVT\t\tNo Exchange",  # tab inside the name became a space; ticker upper-cased
        "",
    ]
    ix = load_index(snapshot_dir=tmp_path / "snaps")
    assert ix.as_of("sec-company-tickers") == "2099-02-03"


@pytest.mark.parametrize("symbol", ["AB-", "-B", "BRKB-", "-", "A--B", "VCZB-"])
def test_a_symbol_with_an_empty_class_part_is_no_error(index, symbol):
    # `GET /v1/tickers/AB-?exchange=NASDAQ` answered 500 (IndexError in _cusip_forms).
    assert index.trades_in_us(symbol) in (True, False)
