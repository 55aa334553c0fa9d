"""Single flight across processes: one fetch per symbol at a time, under a Redis lock that only its holder releases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from enrich.market import keys
from enrich.market.breaker import Breaker
from enrich.market.model import QuoteResult
from enrich.market.pool import Unavailable

Call = Callable[[Callable[[Any], Any]], Any]  # runs commands on this process's Redis client (Process.call)

# Delete each key whose value is ARGV[1]: a lock or probe is released only by its holder.
_RELEASE = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""


class Flight:
    """Takes, watches and releases the fetch locks; a lock expires by itself after `lock_px` ms if its holder dies."""

    def __init__(self, names: keys.Keys, breaker: Breaker, *, clock: Callable[[], float], lock_px: int) -> None:
        self.names, self.breaker, self.clock, self.lock_px = names, breaker, clock, lock_px

    def lock(self, call: Call, cold: list[str], token: str,
             results: dict[str, QuoteResult]) -> tuple[list[str], list[str]]:
        """Take the locks we can: (symbols to fetch here, symbols another fetch holds); re-read values in one trip."""
        def commands(client):
            pipe = client.pipeline(transaction=False)
            for symbol in cold:
                pipe.set(self.names.lock(symbol), token, nx=True, px=self.lock_px)
                pipe.get(self.names.value(symbol))
            return pipe.execute()

        replies = call(commands)
        now = self.clock()
        mine, waiting, written = [], [], []
        for i, symbol in enumerate(cold):
            locked, entry = replies[2 * i], keys.read(replies[2 * i + 1], now)
            if entry is not None and not entry.stale:  # written since our MGET: no second fetch
                results[symbol] = entry
                if locked:
                    written.append(self.names.lock(symbol))
            else:
                (mine if locked else waiting).append(symbol)
        if written:
            self.release(call, written, token)
        return mine, waiting

    def poll(self, call: Call, waiting: set[str], token: str, results: dict[str, QuoteResult]) -> list[str]:
        """Pick up what other fetches wrote; return the symbols whose holder left without an answer (now ours)."""
        order = sorted(waiting)
        raw = call(lambda c: c.mget([self.names.breaker, *map(self.names.value, order),
                                     *map(self.names.lock, order)]))
        now, n = self.clock(), len(order)
        blocked = self.breaker.blocked(keys.loads(raw[0]))
        orphans = []
        for i, symbol in enumerate(order):
            entry = keys.read(raw[1 + i], now)
            if entry is not None:
                results[symbol] = entry
            elif blocked is not None:  # the holder failed and tripped the breaker
                results[symbol] = QuoteResult(symbol, blocked[0], detail=blocked[1])
            elif raw[1 + n + i] is None:
                orphans.append(symbol)
                continue
            else:
                continue
            waiting.discard(symbol)
        if not orphans:
            return []
        def commands(client):
            pipe = client.pipeline(transaction=False)
            for symbol in orphans:
                pipe.set(self.names.lock(symbol), token, nx=True, px=self.lock_px)
            return pipe.execute()

        taken = call(commands)
        mine = [s for s, ok in zip(orphans, taken, strict=True) if ok]
        waiting.difference_update(mine)
        return mine

    def release(self, call: Call, names: list[str], token: str) -> None:
        """Delete those of the keys `names` that `token` holds; when Redis is down they expire on their own."""
        try:
            call(lambda c: c.eval(_RELEASE, len(names), *names, token))
        except Unavailable:
            pass

    def release_in(self, pipe: Any, symbols: list[str], token: str) -> None:
        """Queue on `pipe` the release of the locks on `symbols` and of the probe, those that `token` holds."""
        held = [self.names.lock(s) for s in symbols] + [self.names.probe]
        pipe.eval(_RELEASE, len(held), *held, token)
