"""One set of rules for a document, whatever door it came through: a JSONL line (`batch`, `submit`) or a job's
document (Python, HTTP); the same words in each error, and one error record."""

from __future__ import annotations

import pytest

from enrich.documents import error_of, error_record, numbered_lines, parse_date, parse_document, parse_line
from enrich.errors import InvalidInput, TooLarge


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-02", "2024-01-02"), ("20240102", "2024-01-02"), ("2024-02-30", None), ("May 1", None), ("", None),
    (20240102, None), (None, None), (True, None),
])
def test_a_date_is_iso(value, expected):
    if expected is None:
        with pytest.raises(ValueError):
            parse_date(value)
    else:
        assert parse_date(value) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"id": "a", "text": "t"}', {"id": "a", "text": "t", "as_of": None}),
    (b'{"id": 7, "text": "t", "as_of": "2024-01-02", "source": "wire"}', {"id": 7, "text": "t", "as_of": "2024-01-02"}),
    (b"{not json", "line 3 is not JSON: Expecting property name enclosed in double quotes at column 2"),
    (b'["a"]', "line 3 must be a JSON object with id and text"),
    (b'{"id": true, "text": "t"}', "line 3: id must be a string or a number"),
    (b'{"id": 1.5, "text": "t"}', "line 3: id must be a string or a number"),
    (b'{"id": "a", "text": 42}', "line 3: text must be a string"),
    (b'{"id": "a", "text": "t", "as_of": "soon"}', "line 3: as_of must be a date, YYYY-MM-DD"),
    (b'{"id": "a", "text": "\xff"}', "line 3 is not valid UTF-8: byte 21 (b'\\xff')"),
])
def test_a_jsonl_line(raw, expected):
    if isinstance(expected, dict):
        assert parse_line(raw, 3) == expected
    else:
        with pytest.raises(InvalidInput) as error:
            parse_line(raw, 3)
        assert str(error.value) == expected


@pytest.mark.parametrize(("record", "message", "doc_id"), [
    ("text", "document 0 must be an object with id and text", None),
    ({"id": 1, "text": "t", "lang": "en"}, "document 0: unknown field 'lang'", None),
    ({"text": "t"}, "document 0: id must be a string or a number", None),
    ({"id": 1}, "document 0: text must be a string", 1),
    ({"id": "a", "text": "t", "as_of": 5}, "document 0: as_of must be a date, YYYY-MM-DD", "a"),
])
def test_a_job_document(record, message, doc_id):
    with pytest.raises(InvalidInput) as error:
        parse_document(record, "document 0")
    assert (str(error.value), error.value.doc_id) == (message, doc_id)


def test_blank_lines_are_skipped_and_numbers_kept():
    assert list(numbered_lines([b"a\n", b"  \n", b" b \n"])) == [(1, b"a"), (3, b"b")]


@pytest.mark.parametrize(("record", "expected"), [
    (error_record("a", "internal", "boom"), {"id": "a", "error": {"code": "internal", "message": "boom"}}),
    (error_of(TooLarge("big"), 0), {"id": 0, "error": {"code": "too_large", "message": "big"}}),
    (error_of(InvalidInput("bad", doc_id="x"), line=4),
     {"id": "x", "line": 4, "error": {"code": "invalid_input", "message": "bad"}}),
    (error_of(TooLarge("big"), line=2), {"id": None, "line": 2, "error": {"code": "too_large", "message": "big"}}),
])
def test_the_error_record(record, expected):
    assert list(record) == list(expected) and record == expected
