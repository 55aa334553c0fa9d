"""The hot path's shortcuts change nothing a client sees: memoised path and query arguments, orjson answers (with
the standard library where orjson can't), hooks checked for coroutines once."""

from __future__ import annotations

import json

from enrich.web import body
from enrich.web.fast import App
from enrich.web.openapi import Blueprint


def test_a_memoised_lookup_answers_as_the_first_did_and_each_query_is_its_own(client):
    first = client.get("/v1/tickers/Meta?exchange=Nasdaq&prices=false")
    again = client.get("/v1/tickers/Meta?exchange=Nasdaq&prices=false")
    other = client.get("/v1/tickers/Meta?exchange=NYSE&prices=false")
    assert first.status_code == again.status_code == other.status_code == 200
    assert first.get_json()["resolved"] == again.get_json()["resolved"]
    assert first.get_json()["claimed"]["exchange"] == "NASDAQ" and other.get_json()["claimed"]["exchange"] == "NYSE"


def test_invalid_arguments_are_refused_every_time_and_never_kept(client, app):
    parser = Blueprint.ARGUMENTS_PARSER
    for _ in range(3):
        response = client.get("/v1/tickers/MSFT?exchange=Moonbase&as_of=2024-13-01")
        assert response.status_code == 422 and set(response.get_json()["error"]["details"]) == {"exchange", "as_of"}
    assert not any("Moonbase" in repr(key) for key in parser._memo)


def test_the_memo_is_bounded(client, app, monkeypatch):
    parser = Blueprint.ARGUMENTS_PARSER
    monkeypatch.setattr(body, "MEMO_SIZE", 5)
    for number in range(12):
        assert client.get(f"/v1/tickers/MSFT?prices=false&as_of=2024-01-{number + 1:02d}").status_code == 200
    assert len(parser._memo) <= 5


def test_answers_are_the_same_json_and_a_lone_surrogate_still_answers(client):
    response = client.post("/v1/enrich", json={"text": "百度（纳斯达克：BIDU）", "prices": False})
    assert response.status_code == 200 and response.data.endswith(b"\n")
    assert "纳斯达克：BIDU".encode() in response.data  # UTF-8 as is
    odd = client.post("/v1/enrich", data=json.dumps({"text": "Big\ud800 Blue Corp (NYSE: IBM)", "prices": False}),
                      content_type="application/json")  # orjson refuses lone surrogates: json answers instead
    assert odd.status_code == 200 and odd.get_json()["mentions"][0]["claimed"]["symbol"] == "IBM"
    assert b"\\ud800" in odd.data


def test_hooks_are_checked_once():
    app = App("t")
    calls = []

    @app.before_request
    def hook() -> None:
        calls.append(1)

    @app.get("/")
    def index() -> str:
        return "ok"

    client = app.test_client()
    for _ in range(3):
        assert client.get("/").data == b"ok"
    assert len(calls) == 3 and hook in app._sync and index in app._sync
