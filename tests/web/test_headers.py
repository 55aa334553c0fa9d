"""Security headers on every response: answers, errors, 404s, the spec, the docs, metrics and the page."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from enrich.web.headers import API_CSP
from tests.web.conftest import make_app

REQUESTS = [
    ("POST", "/v1/enrich", {"text": "Xiaomi (NASDAQ: XIACY)"}, 200),
    ("GET", "/v1/tickers/MSFT?prices=false", None, 200),
    ("POST", "/v1/enrich", {"txt": "x"}, 422),
    ("GET", "/v1/enrich", None, 405),
    ("GET", "/nowhere", None, 404),
    ("GET", "/healthz", None, 200),
    ("GET", "/metrics", None, 200),
    ("GET", "/openapi.json", None, 200),
    ("GET", "/docs", None, 200),
    ("GET", "/docs/static/swagger-ui-bundle.js", None, 200),
    ("GET", "/", None, 200),
    ("GET", "/page/page.js", None, 200),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), REQUESTS, ids=[f"{r[0]} {r[1]} {r[3]}" for r in REQUESTS])
def test_every_response_carries_the_headers(client, method, url, body, status):
    with client.open(url, method=method, json=body) as response:
        assert response.status_code == status
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_real_bug_is_covered_too():
    app = make_app()

    @app.route("/boom")
    def boom():
        raise ZeroDivisionError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == API_CSP


def test_answers_load_nothing_and_the_page_keeps_its_own_policy(client):
    assert client.get("/v1/tickers/MSFT?prices=false").headers["Content-Security-Policy"] == API_CSP
    with client.get("/") as page:
        policies = page.headers.getlist("Content-Security-Policy")
    assert len(policies) == 1 and "script-src 'self'" in policies[0] and "default-src 'self'" in policies[0]


def test_the_docs_may_run_their_own_inline_script_and_nothing_else(client):
    response = client.get("/docs")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    inline = re.findall(r"<script>(.*?)</script>", response.get_data(as_text=True), re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
