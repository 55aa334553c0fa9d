"""`refdata refresh`: turn the SEC's company_tickers_exchange.json into a snapshot `DIR/sec-YYYY-MM-DD.tsv`.

Standard library only. The snapshot has exactly the format of the bundled sec_company_tickers.tsv (and is what
`snapshots.read_sec` reads): header `cik ticker exchange name`, one distinct row per listing, fields cleaned
(tabs and line breaks become spaces, outer spaces trimmed, tickers upper-cased, CIKs without leading zeros),
rows sorted by ticker then CIK, UTF-8 with LF line ends. The same input gives byte-identical output, and the file
appears atomically (written beside it as a `.partial` file, then renamed), so a process that loads the index
while a refresh runs sees either the old set of snapshots or the new one, never half a file.

The as-of date (the `YYYY-MM-DD` in the file name) is given with `as_of`; a download without one takes today's
date in UTC (the day the list was fetched). A file (`from_file`) needs an explicit `as_of`: a file's mtime says
when it was copied, not what day the SEC data is from. scripts/build_refdata.py builds on this module too.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import http.client
import json
import os
import re
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

from enrich.errors import RefdataError
from enrich.refdata.snapshots import SEC_COLUMNS, SEC_VENUES

SEC_URL = "https://www.sec.gov/files/company_tickers_exchange.json"
SEC_FIELDS = ("cik", "name", "ticker", "exchange")  # what the SEC's `fields` must hold (in any order)
# The SEC's exchange labels, as stored; "" for a registrant without a listing. Variants the SEC has written
# in some editions map to the usual label ("Cboe US" in 2023, "NYS" once in 2025).
EXCHANGES = frozenset(SEC_VENUES) | {""}
EXCHANGE_ALIASES = {"Cboe US": "CBOE", "NYS": "NYSE"}
_EXCHANGE_BY_FOLDED = {e.casefold(): e for e in EXCHANGES} | {k.casefold(): v for k, v in EXCHANGE_ALIASES.items()}
_USER_AGENT = re.compile(r"\S+\s+\S+@\S+")
_AS_OF = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLEAN = re.compile(r"[\t\r\n]+")

SecRow = tuple[str, str, str, str]  # cik, ticker, exchange, name


def clean(text: object) -> str:
    """A field safe for one TSV cell: no tabs or line breaks, outer spaces trimmed."""
    return _CLEAN.sub(" ", "" if text is None else str(text)).strip()


def write_tsv(path: Path, columns: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> None:
    """Write a header line and rows as UTF-8 TSV with LF line ends, atomically (a `.partial` file, then rename)."""
    lines = ["\t".join(columns)] + ["\t".join(clean(v) for v in row) for row in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")  # per process: two refreshes never share one
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def exchange_label(raw: object, ticker: str = "?") -> str:
    """The stored exchange label for one the SEC wrote (None and "" mean no listing); RefdataError if unknown."""
    label = _EXCHANGE_BY_FOLDED.get(clean(raw).casefold())
    if label is None:
        raise RefdataError(f"unexpected SEC exchange {clean(raw)!r} for {ticker}: teach enrich/refdata about it "
                           "(EXCHANGE_ALIASES in enrich/refdata/refresh.py, SEC_VENUES in snapshots.py)")
    return label


def sec_rows(records: Iterable[Mapping[str, object]]) -> list[SecRow]:
    """SEC company-tickers-exchange records as sorted, distinct (cik, ticker, exchange, name) rows."""
    rows: set[SecRow] = set()
    for number, rec in enumerate(records, start=1):
        ticker = clean(rec.get("ticker")).upper()
        if not ticker:
            continue
        exchange = exchange_label(rec.get("exchange"), ticker)
        raw_cik = rec.get("cik")
        try:
            cik = str(int(str(raw_cik)))
        except ValueError:
            raise RefdataError(f"record {number} ({ticker}): cik {raw_cik!r} is not a whole number") from None
        rows.add((cik, ticker, exchange, clean(rec.get("name"))))
    return sorted(rows, key=lambda r: (r[1], int(r[0]), r[2], r[3]))


def parse_sec_json(data: bytes | str, what: str = "SEC JSON") -> list[dict[str, object]]:
    """Records from the SEC's `{"fields": [...], "data": [[...], ...]}` format (gzip accepted); RefdataError if not."""
    if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise RefdataError(f"{what}: broken gzip data ({exc})") from None
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise RefdataError(f"{what}: not UTF-8 ({exc})") from None
    except json.JSONDecodeError as exc:
        raise RefdataError(f"{what}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(doc, dict) or "fields" not in doc or "data" not in doc:
        raise RefdataError(f'{what}: expected an object with "fields" and "data" (company_tickers_exchange.json)')
    fields, rows = doc["fields"], doc["data"]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields) or len(set(fields)) != len(fields):
        raise RefdataError(f'{what}: "fields" must be a list of distinct names, not {fields!r}')
    missing = [f for f in SEC_FIELDS if f not in fields]
    if missing:
        raise RefdataError(f'{what}: "fields" lacks {", ".join(missing)} (has {", ".join(fields) or "none"})')
    if not isinstance(rows, list) or not rows:
        raise RefdataError(f'{what}: "data" must be a non-empty list of rows')
    records = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(fields):
            raise RefdataError(f'{what}: data row {number} is not a list of {len(fields)} values: {row!r:.80}')
        records.append(dict(zip(fields, row, strict=True)))
    return records


def check_as_of(as_of: str) -> str:
    """`as_of` if it is a real YYYY-MM-DD date; RefdataError otherwise."""
    try:
        if not isinstance(as_of, str) or not _AS_OF.match(as_of):
            raise ValueError
        dt.date.fromisoformat(as_of)
    except ValueError:
        raise RefdataError(f"as-of date {as_of!r} is not a YYYY-MM-DD date") from None
    return as_of


def snapshot_path(snapshot_dir: Path, as_of: str) -> Path:
    """Where the snapshot of `as_of` lives: DIR/sec-YYYY-MM-DD.tsv."""
    return Path(snapshot_dir) / f"sec-{check_as_of(as_of)}.tsv"


def write_snapshot(rows: list[SecRow], as_of: str, snapshot_dir: Path) -> Path:
    """Write rows (from `sec_rows`) as DIR/sec-<as_of>.tsv, creating DIR; the path written."""
    path = snapshot_path(snapshot_dir, as_of)
    if not rows:
        raise RefdataError("the SEC list has no row with a ticker: nothing to snapshot")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_tsv(path, SEC_COLUMNS, rows)
    except OSError as exc:
        raise RefdataError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def read_source(source: Path | str) -> bytes:
    """The bytes of a downloaded SEC file; RefdataError when it cannot be read."""
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise RefdataError(f"cannot read {source}: {exc.strerror or exc}") from None


def snapshot_from_json(source: Path | str | bytes, as_of: str, snapshot_dir: Path) -> Path:
    """Write DIR/sec-<as_of>.tsv from the SEC JSON (bytes, or a path given as Path or str); the path written."""
    check_as_of(as_of)
    data = source if isinstance(source, bytes) else read_source(source)
    what = "SEC JSON" if isinstance(source, bytes) else str(source)
    return write_snapshot(sec_rows(parse_sec_json(data, what)), as_of, snapshot_dir)


def fetch(user_agent: str | None, timeout: float = 30) -> tuple[bytes, str | None]:
    """GET the SEC list: its body and the Last-Modified date (YYYY-MM-DD, UTC) when the response has one."""
    if not _USER_AGENT.search(user_agent or ""):
        raise RefdataError('the SEC requires a User-Agent of the form "Name email@example.com" (--user-agent)')
    request = urllib.request.Request(SEC_URL, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - fixed https URL
            body = response.read()
            modified = response.headers.get("Last-Modified")
    except (OSError, http.client.HTTPException) as exc:  # URLError, HTTPError, timeouts, cut-off bodies
        raise RefdataError(f"downloading {SEC_URL}: {exc}") from None
    try:
        date = email.utils.parsedate_to_datetime(modified).astimezone(dt.UTC).date().isoformat() if modified else None
    except (TypeError, ValueError):
        date = None
    return body, date


def download(user_agent: str | None, timeout: float = 30) -> bytes:
    """The body of https://www.sec.gov/files/company_tickers_exchange.json (the SEC wants "Name email")."""
    return fetch(user_agent, timeout)[0]


def refresh(snapshot_dir: Path | str, *, from_file: Path | str | None = None, as_of: str | None = None,
            download: bool = False, user_agent: str | None = None) -> Path:
    """Write a new SEC snapshot into snapshot_dir from `from_file` or a download; the path written.

    `as_of` is required with `from_file`; for a download it defaults to today's date (UTC).
    """
    if (from_file is None) == (not download):
        raise RefdataError("refresh needs exactly one source: a file (--from-file) or the SEC (--download)")
    if as_of is not None:
        check_as_of(as_of)
    if from_file is not None:
        if as_of is None:
            raise RefdataError(f"{from_file}: give its as-of date (--as-of YYYY-MM-DD), the day the SEC list is from")
        return snapshot_from_json(Path(from_file), as_of, Path(snapshot_dir))
    rows = sec_rows(parse_sec_json(fetch(user_agent)[0], SEC_URL))
    return write_snapshot(rows, as_of or dt.datetime.now(dt.UTC).date().isoformat(), Path(snapshot_dir))
