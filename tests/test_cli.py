"""The command line end to end, in real subprocesses, on the bundled reference data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_EXCERPT = (
    "it announced that the new partnership would also include Chinese tech giants like Xiaomi (NASDAQ: XIACY), "
    "Huawei, Unity China, Xunfei.\n\n    meta (NASDAQ: Meta) and Microsoft (Nasdaq: MSFT) has struggled "
    "financially since it focused on developing the Metaverse."
)


def run(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "enrich", *args], input=stdin or b"", capture_output=True,
                            cwd=ROOT, env={**os.environ, "ENRICH_MARKET_DATA": "offline", **(env or {})}, timeout=120)
    result.stdout, result.stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    return result


def by_symbol(document: dict) -> dict:
    return {m["claimed"]["symbol"]: m for m in document["mentions"]}


def check_seed(document: dict, text: str) -> None:
    mentions = by_symbol(document)
    assert sorted(mentions) == ["MSFT", "Meta", "XIACY"]
    for m in document["mentions"]:
        assert text[m["span"][0]:m["span"][1]] == m["text"]
        assert m["price"] is None and m["price_status"] == "disabled"
    xiacy = mentions["XIACY"]
    assert xiacy["status"] == "corrected"
    assert (xiacy["resolved"]["exchange"], xiacy["resolved"]["mic"]) == ("OTC", "OTCM")
    assert xiacy["corrections"][0]["field"] == "exchange" and xiacy["corrections"][0]["to"] == "OTC"
    assert xiacy["company"]["text"] == "Xiaomi"
    assert xiacy["fix"]["text"] == "OTC: XIACY"
    meta = mentions["Meta"]
    assert meta["status"] == "corrected"
    assert (meta["resolved"]["symbol"], meta["resolved"]["exchange"]) == ("META", "NASDAQ")
    msft = mentions["MSFT"]
    assert msft["status"] == "valid" and msft["corrections"] == []
    assert msft["resolved"]["mic"] == "XNAS"


def test_text_on_the_seed_excerpt():
    result = run("text", "-", stdin=SEED_EXCERPT.encode())
    assert result.returncode == 0, result.stderr
    check_seed(json.loads(result.stdout), SEED_EXCERPT)


def test_text_on_the_seed_article(shared):
    path = shared / "examples" / "seed-article.txt"
    result = run("text", str(path))
    assert result.returncode == 0, result.stderr
    check_seed(json.loads(result.stdout), path.read_text(encoding="utf-8"))


def test_fix_prints_the_corrected_article():
    result = run("text", "--fix", "-", stdin=SEED_EXCERPT.encode())
    assert result.returncode == 0, result.stderr
    assert "Xiaomi (OTC: XIACY)" in result.stdout
    assert "meta (NASDAQ: META)" in result.stdout
    assert "Microsoft (Nasdaq: MSFT)" in result.stdout


def test_fix_with_names_adds_the_suggested_tags_too():
    result = run("text", "--fix", "--names", "--no-prices", "-", stdin=SEED_EXCERPT.encode())
    assert result.returncode == 0, result.stderr
    assert "Huawei, Unity China, Xunfei (SZSE: 002230)." in result.stdout  # a listed company named without a tag
    assert "Xiaomi (OTC: XIACY)" in result.stdout and "meta (NASDAQ: META)" in result.stdout
    assert result.stdout.count("(") == SEED_EXCERPT.count("(") + 1, "nothing else is tagged"
    plain = run("text", "--fix", "--no-prices", "-", stdin=SEED_EXCERPT.encode())
    assert "Xunfei." in plain.stdout, "without --names only the tags are fixed"


def test_names_add_companies_only_when_asked():
    plain = run("text", "--no-prices", "-", stdin=SEED_EXCERPT.encode())
    named = run("text", "--no-prices", "--names", "-", stdin=SEED_EXCERPT.encode())
    assert plain.returncode == named.returncode == 0, plain.stderr + named.stderr
    plain_doc, named_doc = json.loads(plain.stdout), json.loads(named.stdout)
    assert "companies" not in plain_doc and isinstance(named_doc["companies"], list)
    assert named_doc["mentions"] == plain_doc["mentions"]  # names add a key and change nothing else
    for company in named_doc["companies"]:
        assert SEED_EXCERPT[company["span"][0]:company["span"][1]] == company["text"]


def test_batch_with_names(tmp_path):
    line = json.dumps({"id": "x", "text": "IBM (NYSE: IBM) rose."}).encode() + b"\n"
    named, plain = run("batch", "--names", "-", stdin=line), run("batch", "-", stdin=line)
    assert named.returncode == plain.returncode == 0, named.stderr + plain.stderr
    row, plain_row = json.loads(named.stdout), json.loads(plain.stdout)
    assert row["id"] == "x" and isinstance(row["companies"], list) and "companies" not in plain_row


def test_example_article_runs():
    result = run("text", "examples/article.txt")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["meta"]["counts"]["corrected"] >= 3
    assert not any(m["text"].startswith("NYSE: Trading") for m in document["mentions"])


def test_invalid_utf8_is_a_clear_error():
    result = run("text", "-", stdin=b"Acme (NASDAQ: ACME) \xff\xfe broken")
    assert result.returncode == 1
    assert "not valid UTF-8" in result.stderr and "byte 20" in result.stderr
    assert result.stdout == ""


def test_missing_file_is_a_clear_error(tmp_path):
    result = run("text", str(tmp_path / "nope.txt"))
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_bad_as_of_is_a_usage_error():
    result = run("text", "--as-of", "yesterday", "-", stdin=b"x")
    assert result.returncode == 2 and "not a date" in result.stderr


def test_junk_setting_stops_the_command():
    result = run("text", "-", stdin=b"x", env={"ENRICH_MAX_TEXT_BYTES": "lots"})
    assert result.returncode == 1 and "ENRICH_MAX_TEXT_BYTES" in result.stderr


def test_oversized_text_is_refused():
    result = run("text", "-", stdin=b"x" * 2000, env={"ENRICH_MAX_TEXT_BYTES": "1000"})
    assert result.returncode == 1 and "larger than" in result.stderr


def test_batch_reports_bad_lines_and_keeps_going(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "Microsoft (Nasdaq: MSFT) rose"}).encode(),
        b"{not json",
        json.dumps({"id": "c", "text": 42}).encode(),
        json.dumps({"id": "d", "text": "Xiaomi (NASDAQ: XIACY)", "as_of": "2024-01-02"}).encode(),
        b'{"id": "e", "text": "bad \xff byte"}',
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps({"id": "g", "text": "x", "as_of": "soon"}).encode(),
        b"",
        json.dumps({"id": 8, "text": "no tags here"}).encode(),
    ]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "out.jsonl"
    result = run("batch", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "c", "d", None, None, "g", 8]
    assert [("error" in r) for r in rows] == [False, True, True, False, True, True, True, False]
    assert rows[0]["mentions"][0]["status"] == "valid"
    assert rows[3]["mentions"][0]["status"] == "corrected" and rows[3]["meta"]["as_of"] == "2024-01-02"
    assert "not JSON" in rows[1]["error"]["message"] and rows[1]["line"] == 2
    assert "UTF-8" in rows[4]["error"]["message"]
    assert rows[7]["mentions"] == []
    assert "8 documents, 5 failed" in result.stderr


def test_batch_from_stdin_to_stdout():
    result = run("batch", "-", stdin=json.dumps({"id": "x", "text": "IBM (NYSE: IBM)"}).encode() + b"\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mentions"][0]["resolved"]["symbol"] == "IBM"


def test_refdata_info_lists_sources_with_provenance():
    result = run("refdata", "info")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    text = json.dumps(info)
    for source in ("sec", "pytickersymbols", "iso10383", "cusip"):
        assert source in text.lower()


@pytest.mark.timeout(90)
def test_ten_megabyte_document():
    paragraph = ("The company said revenue rose 12% to $4.1 billion at 10:30 a.m. ET; see https://example.com/ir: "
                 "details. Analysts at the firm expect margins to widen next quarter as costs fall. ") * 12
    tags = ["Xiaomi (NASDAQ: XIACY)", "Microsoft (Nasdaq: MSFT)", "IonQ, Inc. (NASDAQ: IONQ)", "Acme (TSX: ACM)"]
    parts, size, index = [], 0, 0
    while size < 10_000_000:
        piece = f"{paragraph}{tags[index % len(tags)]} announced results.\n\n"
        parts.append(piece)
        size += len(piece)
        index += 1
    text = "".join(parts)
    result = run("text", "-", stdin=text.encode())
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["mentions"]) == index
    assert document["meta"]["counts"]["corrected"] == sum(1 for i in range(index) if i % 4 in (0, 2))
