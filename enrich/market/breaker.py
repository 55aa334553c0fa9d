"""The upstream's circuit breaker, shared in Redis: after rate_limited or network, no call until a back-off ends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from enrich.market.model import NETWORK, RATE_LIMITED

FAILURES = (RATE_LIMITED, NETWORK)  # never cached; they open the breaker

# Open the breaker: one more strike, unless it is open already (concurrent failures of one outage count once).
_TRIP = """
local now, base, cap, memory = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local strikes = 0
local current = redis.call('GET', KEYS[1])
if current then
  local ok, state = pcall(cjson.decode, current)
  if ok and type(state) == 'table' then
    if tonumber(state['until']) and tonumber(state['until']) > now then return 0 end
    strikes = tonumber(state['strikes']) or 0
  end
end
strikes = strikes + 1
local backoff = math.min(base * 2 ^ (strikes - 1), cap)
local state = {reason = ARGV[1], strikes = strikes}
state['until'] = now + backoff
redis.call('SET', KEYS[1], cjson.encode(state), 'PX', math.ceil((backoff + memory) * 1000))
return 1
"""


class Breaker:
    """Reads and moves the breaker: its state is JSON {"reason", "until", "strikes"}, read by the cache with its values.

    Each strike doubles the back-off from `base_s` up to `max_s`; the state outlives the back-off by `max_s`, so
    the strikes of one long outage add up. Once a back-off has run out one fetch, the probe, is let through."""

    def __init__(self, key: str, probe_key: str, *, clock: Callable[[], float], base_s: float, max_s: float,
                 probe_px: int) -> None:
        self.key, self.probe_key, self.clock = key, probe_key, clock
        self.base_s, self.max_s, self.probe_px = base_s, max_s, probe_px

    @staticmethod
    def tripped(state: Any) -> bool:
        """True once the breaker has opened and no success has reset it, even when its back-off has run out."""
        return isinstance(state, dict) and bool(state.get("strikes"))

    def blocked(self, state: Any) -> tuple[str, str] | None:
        """(outcome, detail) while the back-off runs, else None."""
        try:
            left = float(state["until"]) - self.clock()
        except (KeyError, TypeError, ValueError):
            return None
        if left <= 0:
            return None
        reason = _reason(state)
        return reason, f"upstream backing off for {left:.0f} s after {reason} (strike {state.get('strikes')})"

    def gate(self, state: Any, token: str, call: Callable[[Callable[[Any], Any]], Any]) -> tuple[str, str] | None:
        """None when the upstream may be asked; else (outcome, detail). After a back-off one fetch (`token`) probes."""
        if not self.tripped(state):
            return None
        blocked = self.blocked(state)
        if blocked is not None:
            return blocked
        probe = call(lambda c: c.set(self.probe_key, token, nx=True, px=self.probe_px))
        reason = _reason(state)
        return None if probe else (reason, f"upstream backing off after {reason}; another fetch is probing it")

    def record(self, pipe: Any, failure: str | None, now: float) -> None:
        """Queue on `pipe` a reset (`failure` None) or one more strike, whose reply is 1 when it opened the breaker."""
        if failure is None:
            pipe.delete(self.key)
        else:
            pipe.eval(_TRIP, 1, self.key, failure, now, self.base_s, self.max_s, self.max_s)


def _reason(state: Mapping[str, Any]) -> str:
    return state["reason"] if state.get("reason") in FAILURES else NETWORK
