"""`refdata refresh`: SEC JSON -> snapshot file, the CLI command, and the snapshot history on the index."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from enrich.domain.model import Listing
from enrich.errors import RefdataError
from enrich.refdata import refresh as rf
from enrich.refdata.index import DATA_DIR, load_index
from enrich.refdata.snapshots import SEC_SOURCE, Snapshot, read_sec

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "company_tickers_exchange.json"
SNAPSHOTS = Path(__file__).parent / "fixtures" / "snapshots"
MANIFEST = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))["files"]
BUNDLED_AS_OF = MANIFEST["sec_company_tickers.tsv"]["as_of"]  # 2026-06-02 at the time of writing
# The bundled history (history/sec-DATE.tsv, loaded by default), oldest first; then every bundled list.
HISTORY_DATES = sorted(name[len("history/sec-"):-len(".tsv")] for name in MANIFEST if name.startswith("history/"))
BUNDLED = [*HISTORY_DATES, BUNDLED_AS_OF]
# A refreshed snapshot older than every bundled list (the oldest is 2022-05-19): it adds history only.
OLDER = "2021-12-14"
SEC_JSON_GZ = "data/raw/sec_company_tickers/company_tickers_exchange_2025-12-14.json.gz"

EXPECTED = [
    "cik\tticker\texchange\tname",
    "320193\tAAPL\tNasdaq\tApple Inc.",  # "0000320193" and 320193 are one CIK: one row
    "1067983\tBRK-A\tNYSE\tBERKSHIRE HATHAWAY INC",
    "1067983\tBRK-B\tNYSE\tBERKSHIRE HATHAWAY INC",
    "9999905\tCBEX\tCBOE\tCboe Listed Example Inc",  # "Cboe US" (2023 edition) stored as CBOE
    "9999906\tEXOTF\tOTC\tExample OTC Corp",  # ticker upper-cased, tab and trailing space cleaned
    "1326801\tFB\tNasdaq\tMeta Platforms, Inc.",
    "1156041\tHUSA\tNYSE\tHOUSTON AMERICAN ENERGY CORP",
    "1804591\tMEHCQ\tNYSE\tChrome Holding Co.",  # "NYS" (2025 edition) stored as NYSE
    "789019\tMSFT\tNasdaq\tMICROSOFT CORP",
    "9999903\tPRVT\t\tNo Exchange Example Inc",  # registrant without a listing: kept, exchange empty
    "",  # the row without a ticker is dropped
]


def sec_json(data: list, fields: list | None = None) -> bytes:
    return json.dumps({"fields": fields or ["cik", "name", "ticker", "exchange"], "data": data}).encode()


# --- the snapshot file ----------------------------------------------------------------------------


def test_snapshot_from_fixture(tmp_path):
    path = rf.snapshot_from_json(FIXTURE, "2025-12-14", tmp_path / "snaps")
    assert path == tmp_path / "snaps" / "sec-2025-12-14.tsv"
    assert path.read_bytes().decode("utf-8").split("\n") == EXPECTED
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no .partial file left behind"
    assert len(read_sec(Snapshot("2025-12-14", path))) == len(EXPECTED) - 2


def test_snapshot_is_deterministic_whatever_the_input_form(tmp_path):
    first = rf.snapshot_from_json(FIXTURE, "2025-12-14", tmp_path / "a").read_bytes()
    assert rf.snapshot_from_json(str(FIXTURE), "2025-12-14", tmp_path / "b").read_bytes() == first
    assert rf.snapshot_from_json(FIXTURE.read_bytes(), "2025-12-14", tmp_path / "c").read_bytes() == first
    (tmp_path / "f.json.gz").write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert rf.snapshot_from_json(tmp_path / "f.json.gz", "2025-12-14", tmp_path / "d").read_bytes() == first
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))["data"]
    shuffled = sec_json(rows[::-1], None)
    assert rf.snapshot_from_json(shuffled, "2025-12-14", tmp_path / "e").read_bytes() == first
    reordered = sec_json([[r[2], r[0], r[3], r[1]] for r in rows], ["ticker", "cik", "exchange", "name"])
    assert rf.snapshot_from_json(reordered, "2025-12-14", tmp_path / "f").read_bytes() == first


def test_snapshot_replaces_one_of_the_same_date(tmp_path):
    rf.snapshot_from_json(FIXTURE, "2025-12-14", tmp_path)
    path = rf.snapshot_from_json(sec_json([[789019, "MICROSOFT CORP", "MSFT", "Nasdaq"]]), "2025-12-14", tmp_path)
    assert path.read_text(encoding="utf-8") == "cik\tticker\texchange\tname\n789019\tMSFT\tNasdaq\tMICROSOFT CORP\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sec-2025-12-14.tsv"]


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "not JSON"),
    (b"{\"fields\": \"\xff\"}", "not UTF-8"),
    (b"\x1f\x8b broken", "gzip"),
    (b"[]", "fields"),
    (b'{"fields": ["cik", "name", "ticker", "exchange"]}', "data"),
    (sec_json([[1, "A", "A", "NYSE"]], ["cik", "title", "ticker", "exchange"]), "lacks name"),
    (sec_json([[1, "A", "A"]], ["cik", "name", "ticker"]), "lacks exchange"),
    (sec_json([[1, "A", "A", "NYSE", 1]], ["cik", "name", "ticker", "exchange", "cik"]), "distinct"),
    (b'{"fields": "cik,name,ticker,exchange", "data": [[1, "A", "A", "NYSE"]]}', "fields"),
    (sec_json([]), "non-empty"),
    (b'{"fields": ["cik", "name", "ticker", "exchange"], "data": {}}', "non-empty"),
    (sec_json([[1, "A", "A"]]), "row 1"),
    (sec_json([[1, "A", "A", "NYSE"], "1,B,B,NYSE"]), "row 2"),
    (sec_json([["x1", "A", "A", "NYSE"]]), "cik"),
    (sec_json([[None, "A", "A", "NYSE"]]), "cik"),
    (sec_json([[1, "Moon Corp", "MOON", "Moon Exchange"]]), "Moon Exchange"),
    (sec_json([[1, "Nobody", "", None]]), "no row with a ticker"),
])
def test_malformed_sec_json_raises(tmp_path, data, message):
    with pytest.raises(RefdataError, match=message):
        rf.snapshot_from_json(data, "2025-12-14", tmp_path / "snaps")
    assert not (tmp_path / "snaps").exists() or not any((tmp_path / "snaps").iterdir())


@pytest.mark.parametrize("as_of", ["2025-13-01", "20251214", "2025-1-14", "yesterday", ""])
def test_bad_as_of_raises(tmp_path, as_of):
    with pytest.raises(RefdataError, match="YYYY-MM-DD"):
        rf.snapshot_from_json(FIXTURE, as_of, tmp_path)
    assert not any(tmp_path.iterdir())


# --- refresh() ------------------------------------------------------------------------------------


def test_refresh_from_file(tmp_path):
    path = rf.refresh(tmp_path, from_file=FIXTURE, as_of="2025-12-14")
    assert path == tmp_path / "sec-2025-12-14.tsv" and path.is_file()


def test_refresh_needs_one_source_and_a_date_for_a_file(tmp_path):
    with pytest.raises(RefdataError, match="exactly one source"):
        rf.refresh(tmp_path, as_of="2025-12-14")
    with pytest.raises(RefdataError, match="exactly one source"):
        rf.refresh(tmp_path, from_file=FIXTURE, as_of="2025-12-14", download=True)
    with pytest.raises(RefdataError, match="as-of"):
        rf.refresh(tmp_path, from_file=FIXTURE)
    with pytest.raises(RefdataError, match="cannot read"):
        rf.refresh(tmp_path, from_file=tmp_path / "missing.json", as_of="2025-12-14")
    assert not any(tmp_path.iterdir())


def test_refresh_download_dates_today(tmp_path, monkeypatch):
    calls = []

    def fake_fetch(user_agent, timeout=30):
        calls.append(user_agent)
        return FIXTURE.read_bytes(), "2025-12-12"

    monkeypatch.setattr(rf, "fetch", fake_fetch)
    path = rf.refresh(tmp_path, download=True, user_agent="Jane Doe jane@example.com")
    assert calls == ["Jane Doe jane@example.com"]
    assert path.name == f"sec-{dt.datetime.now(dt.UTC).date().isoformat()}.tsv"
    assert rf.refresh(tmp_path, download=True, as_of="2025-12-14").name == "sec-2025-12-14.tsv"
    assert path.read_bytes() == (tmp_path / "sec-2025-12-14.tsv").read_bytes()


@pytest.mark.parametrize("user_agent", [None, "", "jane", "jane@example.com", "Jane Doe"])
def test_download_insists_on_a_user_agent_before_any_request(user_agent):
    with pytest.raises(RefdataError, match="User-Agent"):
        rf.download(user_agent)


# --- history on the index -------------------------------------------------------------------------


def at(ix, symbol: str, as_of: str) -> list[Listing]:
    """The symbol's listings in the SEC list of `as_of`."""
    return [x for when, x in ix.history(symbol) if when == as_of]


def test_history_from_an_older_snapshot(tmp_path):
    rf.refresh(tmp_path, from_file=FIXTURE, as_of=OLDER)
    ix = load_index(snapshot_dir=tmp_path)
    assert ix.snapshots() == [OLDER, *BUNDLED] and OLDER < BUNDLED[0]
    husa = Listing("HUSA", "NYSE", SEC_SOURCE, "HOUSTON AMERICAN ENERGY CORP", None, True)
    # The bundled lists of 2022 and 2023 give the same listing, so the snapshot's joins their run; by 2025-12-14
    # the SEC names the issuer (CIK 1156041) Abundia Global Impact Group, and from 2026 lists only AGIG.
    abundia = Listing("HUSA", "NYSE", SEC_SOURCE, "ABUNDIA GLOBAL IMPACT GROUP, INC.", None, True)
    assert ix.history("HUSA") == (("2025-12-14", abundia), ("2023-05-26", husa), ("2022-05-19", husa), (OLDER, husa))
    assert ix.history("husa") == ix.history("HUSA")
    assert not any(x.source == SEC_SOURCE for x in ix.listings("HUSA")), "the bundled, newer list drives listings"
    brk = Listing("BRK-B", "NYSE", SEC_SOURCE, "BERKSHIRE HATHAWAY INC", None, True)
    assert ix.history("BRK.B") == tuple((as_of, brk) for as_of in [*reversed(HISTORY_DATES), OLDER])
    assert [x.venue_key for x in at(ix, "MEHCQ", OLDER)] == ["NYSE"]
    assert [x.venue_key for x in at(ix, "CBEX", OLDER)] == ["CBOE"]
    assert at(ix, "EXOTF", OLDER) == [Listing("EXOTF", "OTC", SEC_SOURCE, "Example OTC Corp", None, False)]
    assert ix.history("PRVT") == ()  # no exchange, no listing (as in `listings`)
    assert ix.history("ZZZZQX") == ()


def test_history_is_empty_with_the_bundled_list_only(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("history"))
    doc = json.loads((data / "MANIFEST.json").read_text(encoding="utf-8"))
    doc["files"] = {k: v for k, v in doc["files"].items() if not k.startswith("history/")}
    (data / "MANIFEST.json").write_text(json.dumps(doc), encoding="utf-8")
    ix = load_index(data)
    assert ix.snapshots() == [BUNDLED_AS_OF]
    assert ix.history("MSFT") == () and ix.history("") == ()
    assert ix._history is None, "nothing read when there is no older snapshot"


def test_bundled_history_is_read_on_first_use_only():
    ix = load_index()
    assert ix.snapshots() == BUNDLED and ix._history is None and ix._renames is None
    assert ix.history("MSFT") and ix._history is not None


def test_history_newest_first_and_never_the_newest(tmp_path):
    for path in SNAPSHOTS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(SNAPSHOTS / "sec-2022-06-08.tsv", tmp_path / "sec-2099-01-01.tsv")  # newest: drives listings
    ix = load_index(snapshot_dir=tmp_path)
    first, *later = BUNDLED  # the fixtures fall between the oldest bundled list (2022-05-19) and the next
    assert ix.snapshots() == [first, "2022-06-08", "2022-06-10", *later, "2099-01-01"]
    older = [*reversed(later), "2022-06-10", "2022-06-08", first]  # every list but the newest (2099), newest first
    brk = [(as_of, x.venue_key, x.family_only) for as_of, x in ix.history("BRK-B")]
    assert brk == [(as_of, "NYSE", True) for as_of in older]
    # FB until the fixture of 2022-06-08 (the 2099 copy of it is the newest, so not history), META from 2022-06-10.
    assert [as_of for as_of, _ in ix.history("FB")] == ["2022-06-08", first]
    assert [as_of for as_of, _ in ix.history("META")] == older[:-2]
    assert [(a, x.venue_key, x.family_only) for a, x in ix.history("PUBL")] == [("2022-06-10", "NYSE", True)]
    assert {x for _, x in ix.history("BRK-B")} == {ix.history("BRK-B")[0][1]}, "one Listing per run"


def test_history_is_built_once_across_threads(tmp_path):
    rf.refresh(tmp_path, from_file=FIXTURE, as_of="2025-12-14")
    ix = load_index(snapshot_dir=tmp_path)
    results, start = [], threading.Barrier(8)

    def ask():
        start.wait()
        results.append(ix.history("HUSA"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and all(r == results[0] and r for r in results)


def test_bad_older_snapshot_raises_on_history(tmp_path):
    (tmp_path / "sec-2000-01-01.tsv").write_text("not a header\n")
    ix = load_index(snapshot_dir=tmp_path)
    with pytest.raises(RefdataError, match="header"):
        ix.history("MSFT")


def test_warm_builds_history(tmp_path):
    rf.refresh(tmp_path, from_file=FIXTURE, as_of="2025-12-14")
    ix = load_index(snapshot_dir=tmp_path)
    ix.warm()
    assert ix._history is not None


# --- the CLI --------------------------------------------------------------------------------------


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "ENRICH_MARKET_DATA": "offline", "ENRICH_REFDATA_DIR": "", **(env or {})}
    return subprocess.run([sys.executable, "-m", "enrich", *args], capture_output=True, text=True, cwd=REPO,
                          env=full_env, timeout=120)


def test_cli_refresh_from_file(tmp_path):
    result = run("refdata", "refresh", "--from-file", str(FIXTURE), "--as-of", OLDER, "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    written, _, rest = result.stdout.partition("\n")
    assert Path(written) == tmp_path / f"sec-{OLDER}.tsv" and Path(written).is_file()
    info = json.loads(rest)
    assert info["sec_snapshots"] == [OLDER, *BUNDLED]
    assert info["sec_snapshot_files"][0] == {"as_of": OLDER, "origin": "snapshot_dir",
                                             "file": str(tmp_path / f"sec-{OLDER}.tsv")}
    assert info["sources"][SEC_SOURCE]["as_of"] == BUNDLED_AS_OF  # the older snapshot adds history only
    assert "older than" in result.stderr


def test_cli_refresh_into_the_configured_dir_drives_listings(tmp_path):
    result = run("refdata", "refresh", "--from-file", str(FIXTURE), "--as-of", "2099-01-02",
                 env={"ENRICH_REFDATA_DIR": str(tmp_path / "snaps")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "snaps" / "sec-2099-01-02.tsv").is_file()
    info = json.loads(result.stdout.partition("\n")[2])
    assert info["sources"][SEC_SOURCE]["as_of"] == "2099-01-02" and info["sources"][SEC_SOURCE]["rows"] == 10
    assert info["sec_snapshots"][-1] == "2099-01-02"


def test_cli_refresh_without_a_dir_is_a_clear_error(tmp_path):
    result = run("refdata", "refresh", "--from-file", str(FIXTURE), "--as-of", "2025-12-14")
    assert result.returncode == 1
    assert "error:" in result.stderr and "--dir" in result.stderr and "ENRICH_REFDATA_DIR" in result.stderr
    assert result.stdout == ""


def test_cli_refresh_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"fields": ["cik"], "data": [[1]]}')
    result = run("refdata", "refresh", "--from-file", str(bad), "--as-of", "2025-12-14", "--dir", str(tmp_path))
    assert result.returncode == 1 and "lacks" in result.stderr
    result = run("refdata", "refresh", "--from-file", str(FIXTURE), "--dir", str(tmp_path))
    assert result.returncode == 1 and "--as-of" in result.stderr
    result = run("refdata", "refresh", "--from-file", str(FIXTURE), "--as-of", "2025-99-01", "--dir", str(tmp_path))
    assert result.returncode == 2 and "not a date" in result.stderr
    result = run("refdata", "refresh", "--dir", str(tmp_path))
    assert result.returncode == 2 and "--from-file" in result.stderr
    result = run("refdata", "refresh", "--download", "--dir", str(tmp_path))  # stops before any request
    assert result.returncode == 1 and "User-Agent" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


# --- the real SEC list (../shared) ----------------------------------------------------------------


@pytest.mark.shared
def test_real_sec_list_2025_12_14(shared, tmp_path):
    source = tmp_path / "company_tickers_exchange.json"
    with gzip.open(shared / SEC_JSON_GZ) as packed:
        source.write_bytes(packed.read())
    records = json.loads(source.read_bytes())["data"]
    assert len(records) == 10_218
    path = rf.refresh(tmp_path / "snaps", from_file=source, as_of="2025-12-14")
    rows = read_sec(Snapshot("2025-12-14", path))
    # Every record has a ticker and none repeats, so the snapshot keeps them all (265 without an exchange).
    assert len(rows) == 10_218
    assert sum(1 for r in rows if r[2] == "") == 265
    assert {r[2] for r in rows} == {"Nasdaq", "NYSE", "OTC", "CBOE", ""}  # the one "NYS" (MEHCQ) became NYSE
    # The bundled history/sec-2025-12-14.tsv was built from this very copy (build_refdata.py --raw), cleaned alike.
    assert path.read_bytes() == (DATA_DIR / "history" / "sec-2025-12-14.tsv").read_bytes()
    ix = load_index(snapshot_dir=tmp_path / "snaps")
    assert ix.snapshots() == BUNDLED  # same date as a bundled list: the snapshot_dir file takes its place
    origins = {f["as_of"]: (f["origin"], f["file"]) for f in ix.info()["sec_snapshot_files"]}
    assert origins["2025-12-14"] == ("snapshot_dir", str(path))
    husa = ix.history("HUSA")
    assert [(as_of, x.venue_key, x.family_only) for as_of, x in husa] == [
        ("2025-12-14", "NYSE", True), ("2023-05-26", "NYSE", True), ("2022-05-19", "NYSE", True)]
    # By December 2025 the SEC already listed the issuer (CIK 1156041) under its new name, with HUSA and AGIG.
    assert husa[0][1].name == "ABUNDIA GLOBAL IMPACT GROUP, INC."
    assert {x.name for _, x in husa[1:]} == {"HOUSTON AMERICAN ENERGY CORP"}
    assert rf.refresh(tmp_path / "again", from_file=source, as_of="2025-12-14").read_bytes() == path.read_bytes()
