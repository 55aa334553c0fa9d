"""JSON log lines, each carrying the id of the request being served, whichever logger writes it."""

from __future__ import annotations

import io
import json
import logging
import sys

from config.logging import REQUEST_ID, JsonFormatter, logging_config
from tests.web.conftest import make_app


def test_every_line_of_a_request_carries_its_id():
    app = make_app()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    @app.route("/chatty")
    def chatty():
        logging.getLogger("enrich.market.somewhere").warning("upstream slow: %s", "MSFT")
        return {"ok": True}

    try:
        app.test_client().get("/chatty", headers={"X-Request-ID": "trace-7"})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [x["request_id"] for x in lines] == ["trace-7", "trace-7"]
    warning, access = lines
    assert warning["msg"] == "upstream slow: MSFT" and warning["logger"] == "enrich.market.somewhere"
    assert access["logger"] == "enrich.web.access" and access["route"] == "/chatty" and access["status"] == 200
    assert access["duration_ms"] >= 0 and access["method"] == "GET"
    assert REQUEST_ID.get() is None, "the id does not outlive its request"


def test_a_line_is_json_even_with_an_exception_and_odd_text():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad \ud800 value")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "failed %s", ("\ud800",),
                                                   exc_info=sys.exc_info())
    line = json.loads(formatter.format(record))
    assert line["level"] == "ERROR" and "ValueError" in line["exc"] and "request_id" not in line


def test_gunicorn_logs_through_the_same_json_handler():
    config = logging_config("WARNING")
    assert config["root"] == {"level": "WARNING", "handlers": ["stderr"]}
    assert config["loggers"]["gunicorn.access"]["propagate"] is False
