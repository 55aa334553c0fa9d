"""The quote cache's Redis layout: the key names under one prefix and the JSON value kept per symbol."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from enrich.market.model import QuoteResult

# Keys (all under one prefix, default `enrich:q:`; `~` never occurs in a Yahoo symbol):
#   {prefix}{symbol}        JSON {"result": QuoteResult.to_json(), "fresh_until": epoch, "stale_until": epoch},
#                           Redis TTL = stale_until - now; lifetimes follow the venue's hours (market/hours.py)
#   {prefix}~lock:{symbol}  a fetch in flight (SET NX PX); it expires by itself if its holder dies
#   {prefix}~breaker        JSON {"reason", "until", "strikes"}: no upstream call before `until`
#   {prefix}~probe          the one fetch allowed through once a back-off has run out


@dataclasses.dataclass(frozen=True, slots=True)
class Keys:
    """The names of one cache's keys."""

    prefix: str

    def value(self, symbol: str) -> str:
        """The key of `symbol`'s cached result."""
        return self.prefix + symbol

    def lock(self, symbol: str) -> str:
        """The key held while `symbol` is being fetched."""
        return self.prefix + "~lock:" + symbol

    @property
    def breaker(self) -> str:
        """The key of the upstream's circuit breaker."""
        return self.prefix + "~breaker"

    @property
    def probe(self) -> str:
        """The key held by the one fetch that probes the upstream after a back-off."""
        return self.prefix + "~probe"


def dump(result: QuoteResult, now: float, fresh_s: float, total_s: float) -> str:
    """The value to keep for `result`, fetched `now`: fresh for `fresh_s`, servable stale until `total_s`."""
    value = {"result": result.to_json(), "fresh_until": now + fresh_s, "stale_until": now + total_s}
    return json.dumps(value, separators=(",", ":"))


def read(value: bytes | None, now: float) -> QuoteResult | None:
    """The cached result if `value` holds one still servable at `now` (stale=True past its fresh time)."""
    data = loads(value)
    try:
        if data is None or now >= float(data["stale_until"]):
            return None
        return QuoteResult.from_json(data["result"], stale=now >= float(data["fresh_until"]))
    except (KeyError, TypeError, ValueError):
        return None  # not ours or an older layout: as good as missing


def fresh_until(value: bytes | None) -> float:
    """The epoch until which a value `read` found servable is fresh."""
    return float(loads(value)["fresh_until"])


def loads(value: bytes | str | None) -> Any:
    """The JSON in `value`; None when there is none or it is not JSON."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def px(seconds: float) -> int:
    """Milliseconds for SET PX: never 0, which Redis refuses."""
    return max(1, int(seconds * 1000))
