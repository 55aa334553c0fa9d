"""Every error answers the one shape: 400, 413, 415, 422, 404, 405, and a clean 500 only for a real bug."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.web.conftest import make_app


def error_of(response, status):
    """The error object of a response that must have `status`."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["message"]
    return body["error"]


def post(client, data, content_type="application/json", **kwargs):
    return client.post("/v1/enrich", data=data, content_type=content_type, **kwargs)


@pytest.mark.parametrize("data", [b"{bad", b"", b"[1,", b'{"text": "a"} trailing', b'{"text": NaN}',
                                  b"[" * 100_000, b'{"text": "x", "n": ' + b"9" * 5000 + b"}"],
                         ids=["syntax", "empty", "truncated", "trailing", "nan", "deep", "huge-number"])
def test_malformed_json_is_400(client, data):
    assert error_of(post(client, data), 400)["code"] == "invalid_json"


def test_invalid_utf8_is_400_and_says_where(client):
    error = error_of(post(client, b'{"text": "caf\xe9"}'), 400)
    assert error["code"] == "invalid_utf8" and "byte 13" in error["message"]


def test_a_byte_order_mark_is_tolerated(client):
    assert post(client, '\ufeff{"text": "x"}'.encode()).status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client, content_type):
    error = error_of(client.post("/v1/enrich", data=b'{"text": "x"}', content_type=content_type), 415)
    assert error["code"] == "unsupported_media_type" and "application/json" in error["message"]


def test_json_with_a_charset_or_a_suffix_is_json(client):
    assert post(client, b'{"text": "x"}', "application/json; charset=utf-8").status_code == 200
    assert post(client, b'{"text": "x"}', "application/vnd.enrich+json").status_code == 200


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"text"}),
    ({"text": 5}, {"text"}),
    ({"text": "x", "as_of": "2024-13-01"}, {"as_of"}),
    ({"text": "x", "as_of": "yesterday"}, {"as_of"}),
    ({"text": "x", "prices": "yes"}, {"prices"}),
    ({"text": "x", "prices": 1}, {"prices"}),
    ({"text": "x", "names": "yes"}, {"names"}),
    ({"text": "x", "names": 1}, {"names"}),
    ({"text": "x", "names": None}, {"names"}),
    ({"text": "x", "colour": "red"}, {"colour"}),
    ([{"text": "x"}], {"_schema"}),
    ("just a string", {"_schema"}),
    (None, {"_schema"}),
])
def test_invalid_fields_are_422_with_a_message_each(client, body, fields):
    error = error_of(client.post("/v1/enrich", data=json.dumps(body), content_type="application/json"), 422)
    assert error["code"] == "invalid_input" and set(error["details"]) == fields
    assert all(isinstance(m, list) and m for m in error["details"].values())


@pytest.mark.parametrize("url", ["/v1/tickers/MSFT?exchange=Moon", "/v1/tickers/MSFT?as_of=2024-02-30",
                                 "/v1/tickers/MSFT?prices=perhaps", "/v1/tickers/%24%24%24",
                                 "/v1/tickers/" + "A" * 21, "/v1/tickers/-A"])
def test_invalid_ticker_requests_are_422(client, url):
    error = error_of(client.get(url), 422)
    assert set(error["details"]) <= {"exchange", "as_of", "prices", "symbol"}


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_a_body_over_the_limit_is_refused_from_its_content_length():
    client = make_app(max_body_bytes=1000).test_client()
    # The declared length alone decides: the body is never read (a stream that fails if it were).
    response = client.post("/v1/enrich", content_type="application/json",
                           environ_overrides={"wsgi.input": Unreadable(), "CONTENT_LENGTH": "5000"})
    error = error_of(response, 413)
    assert error["code"] == "too_large" and "ENRICH_MAX_BODY_BYTES (1000 bytes)" in error["message"]
    assert error_of(client.get("/healthz", data=b"x" * 2000), 413)  # whatever the route


def streamed(client, body):
    """POST `body` without a Content-Length, as gunicorn hands over a chunked upload."""
    return client.post("/v1/enrich", content_type="application/json", environ_overrides={
        "wsgi.input": io.BytesIO(body), "wsgi.input_terminated": True})


@pytest.mark.parametrize("size", [1001, 5000])
def test_a_streamed_body_over_the_limit_is_refused_while_read(size):
    client = make_app(max_body_bytes=1000).test_client()
    body = b'{"text": "' + b"x" * (size - 12) + b'"}'
    assert len(body) == size
    assert error_of(streamed(client, body), 413)["code"] == "too_large"


def test_a_streamed_body_up_to_the_limit_is_read_whole():
    client = make_app(max_body_bytes=1000).test_client()
    body = b'{"text": "' + b"x" * (1000 - 12) + b'"}'
    assert streamed(client, body).status_code == 200
    assert streamed(client, b'{"text": "x"}').status_code == 200


def test_a_text_over_the_service_limit_is_413():
    client = make_app(max_text_bytes=100).test_client()
    error = error_of(client.post("/v1/enrich", json={"text": "é" * 60}), 413)
    assert error["code"] == "too_large" and "ENRICH_MAX_TEXT_BYTES" in error["message"]


def test_unknown_route_is_404(client):
    assert error_of(client.get("/v2/enrich"), 404)["code"] == "not_found"
    assert error_of(client.get("/v1/tickers/"), 404)


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("GET", "/v1/enrich", {"POST", "OPTIONS"}),
    ("DELETE", "/v1/tickers/MSFT", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/openapi.json", {"GET", "HEAD", "OPTIONS"}),
])
def test_wrong_method_is_405_with_allow(client, method, url, allowed):
    response = client.open(url, method=method)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


def test_a_real_bug_is_a_clean_500_with_the_request_id_logged(caplog):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise ZeroDivisionError("a bug")

    with caplog.at_level(logging.ERROR, logger="enrich.web.errors"):
        response = app.test_client().get("/boom", headers={"X-Request-ID": "bug-1"})
    error = error_of(response, 500)
    assert error == {"code": "internal", "message": error["message"], "details": {"request_id": "bug-1"}}
    assert "a bug" not in response.get_data(as_text=True), "no internals leak"
    assert response.headers["X-Request-ID"] == "bug-1"
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_the_services_own_errors_keep_their_codes():
    from enrich.errors import InvalidInput, RefdataError

    app = make_app()

    @app.route("/refdata-gone")
    def refdata_gone():
        raise RefdataError("reference data in /x unusable")

    @app.route("/unreadable")
    def unreadable():
        raise InvalidInput("line 3 is not JSON")

    client = app.test_client()
    error = error_of(client.get("/refdata-gone", headers={"X-Request-ID": "rd-1"}), 503)
    assert error["code"] == "refdata" and error["details"] == {"request_id": "rd-1"}
    assert "/x" not in error["message"], "no file paths for the caller"
    assert error_of(client.get("/unreadable"), 400)["code"] == "invalid_input"
