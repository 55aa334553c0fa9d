"""A document, `{id, text, as_of?}`, read by one set of rules whatever door it came through (a `batch` or `submit`
line, a job submission, an HTTP body), and the one record a document that failed gets in its place."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from enrich.errors import EnrichError, InvalidInput

FIELDS = ("id", "text", "as_of")


def decode(data: bytes, what: str = "input") -> str:
    """UTF-8 text, or an InvalidInput that says where the first bad byte is."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not valid UTF-8: byte {exc.start} ({data[exc.start:exc.start + 1]!r})") from None


def parse_date(value: Any) -> str:
    """An ISO date as YYYY-MM-DD; ValueError for anything else (each door words its own message)."""
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    return dt.date.fromisoformat(value).isoformat()


def is_id(value: Any) -> bool:
    """A document id is a JSON string or integer (not a boolean, not a float): it is echoed in the result."""
    return isinstance(value, str | int) and not isinstance(value, bool)


def parse_document(record: Any, where: str, *, shape: str = "an object", extra: bool = False) -> dict[str, Any]:
    """{id, text, as_of} from one record, or InvalidInput that starts with `where` ("line 3", "document 0")."""
    # Fields beyond id, text and as_of are refused unless `extra` (a JSONL line may carry the caller's own).
    # Once the id is known the error carries it, so the document's error record names it.
    if not isinstance(record, dict):
        raise InvalidInput(f"{where} must be {shape} with id and text")
    unknown = [] if extra else sorted(set(record) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}")
    doc_id, text, as_of = record.get("id"), record.get("text"), record.get("as_of")
    if not is_id(doc_id):
        raise InvalidInput(f"{where}: id must be a string or a number")
    if not isinstance(text, str):
        raise InvalidInput(f"{where}: text must be a string", doc_id=doc_id)
    if as_of is not None:
        try:
            as_of = parse_date(as_of)
        except ValueError:
            raise InvalidInput(f"{where}: as_of must be a date, YYYY-MM-DD", doc_id=doc_id) from None
    return {"id": doc_id, "text": text, "as_of": as_of}


def numbered_lines(handle: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line number from 1, the line stripped) of each line of a JSONL file that is not blank."""
    for number, raw in enumerate(handle, start=1):
        stripped = raw.strip()
        if stripped:
            yield number, stripped


def parse_line(raw: bytes, number: int) -> dict[str, Any]:
    """{id, text, as_of} from one JSONL line, or InvalidInput saying what is wrong with it."""
    line = decode(raw, f"line {number}")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {number} is not JSON: {exc.msg} at column {exc.colno}") from None
    return parse_document(record, f"line {number}", shape="a JSON object", extra=True)


def error_record(doc_id: Any, code: str, message: str, *, line: int | None = None) -> dict[str, Any]:
    """A failed document's result: {id, line?, error: {code, message}}, in that order."""
    record: dict[str, Any] = {"id": doc_id}
    if line is not None:
        record["line"] = line
    record["error"] = {"code": code, "message": message}
    return record


def error_of(exc: EnrichError, doc_id: Any = None, *, line: int | None = None) -> dict[str, Any]:
    """The error record of a raised error; its id the one given, else the one the error carries (or None)."""
    return error_record(doc_id if doc_id is not None else getattr(exc, "doc_id", None), exc.code, str(exc), line=line)
