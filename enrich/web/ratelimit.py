"""A fixed-window rate limit per client, counted in Redis so every worker and every host shares it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from enrich.web.store import RedisStore

# One round trip, atomic: count the hit; the first hit of a window starts its clock.
_HIT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window ends


class RateLimiter:
    """`limit` requests per `window_s` seconds per client key; raises store.Unavailable when Redis is down."""

    def __init__(self, store: RedisStore, limit: int, window_s: int, prefix: str = "enrich:rl:") -> None:
        self.store, self.limit, self.window_ms, self.prefix = store, limit, window_s * 1000, prefix

    def hit(self, client: str) -> Decision:
        """Count one request of `client`."""
        count, ttl_ms = self.store.call(
            "rate limit", lambda c: c.eval(_HIT, 1, self.prefix + client, self.window_ms))
        reset_s = max(1, math.ceil(int(ttl_ms) / 1000))
        count = int(count)
        return Decision(count <= self.limit, self.limit, max(0, self.limit - count), reset_s)
