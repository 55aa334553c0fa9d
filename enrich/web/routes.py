"""The API's two lookups: an article's tags, and one ticker. Load, call, answer."""

from __future__ import annotations

from typing import Any

from flask_smorest import abort

from enrich.service import enrich, lookup
from enrich.web.openapi import Blueprint
from enrich.web.schemas import EnrichmentSchema, EnrichRequest, TickerPath, TickerQuery, TickerSchema
from enrich.web.state import state

blp = Blueprint("v1", __name__, url_prefix="/v1", description="Ticker tags: found, checked, corrected, priced")
_ARTICLE_ONLY = ("span", "text", "company", "fix")  # mention fields that mean nothing for a bare ticker


@blp.route("/enrich", methods=["POST"])
@blp.arguments(EnrichRequest())  # instances: a schema class would be instantiated on every request
@blp.alt_response(200, schema=EnrichmentSchema, success=True, description="The article's mentions")
def enrich_text(body: dict[str, Any]) -> dict[str, Any]:
    """Every ticker tag in an article, checked against the references, corrected where wrong, with prices (and with
    `names`, every listed company the article names)."""
    return enrich(body["text"], state().services, as_of=body["as_of"], prices=body["prices"],
                  names=body["names"]).to_dict()


@blp.route("/tickers/<symbol>")
@blp.arguments(TickerPath(), location="path")
@blp.arguments(TickerQuery(), location="query")
@blp.alt_response(200, schema=TickerSchema, success=True, description="The verdict on the ticker, with its price")
def ticker(path: dict[str, Any], query: dict[str, Any], symbol: str) -> dict[str, Any]:
    """One ticker judged as if an article tagged it EXCHANGE: SYMBOL; no exchange: its best listing, US first."""
    result = lookup(path["symbol"], state().services, venue_key=query["venue_key"], as_of=query["as_of"],
                    prices=query["prices"])
    if result is None:
        abort(404, message=f"no loaded reference lists {path['symbol']!r}: name its exchange with ?exchange=")
    document = result.to_dict()
    answer = {k: v for k, v in document["mentions"][0].items() if k not in _ARTICLE_ONLY}
    return {**answer, "meta": document["meta"]}
