"""The one use case: text in, every tag found, checked and corrected, as an Enrichment."""

from __future__ import annotations

import time
from collections import Counter

from enrich import __version__
from enrich.domain import fixes
from enrich.domain.live import with_live
from enrich.domain.mentions import extract
from enrich.domain.model import Enrichment, Mention
from enrich.domain.venues import VENUES
from enrich.errors import TooLarge
from enrich.market.context import live_listing, price_context
from enrich.wiring import Services


def enrich(text: str, services: Services, *, as_of: str | None = None, prices: bool = True) -> Enrichment:
    """Find every tag in `text`, judge it against the references and plan the fix for each correction."""
    limit = services.settings.max_text_bytes
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit):
        raise TooLarge(f"the text is larger than ENRICH_MAX_TEXT_BYTES ({limit} bytes)")
    mentions = []
    cap = services.settings.max_mentions
    tags = extract(text, limit=cap + 1)
    truncated = len(tags) > cap
    for tag in tags[:cap]:
        venue = VENUES[tag.venue_key]
        mentions.append(Mention(tag=tag, verdict=services.verdict(tag, as_of), claimed_exchange=venue.label,
                                claimed_mic=venue.mic))
    if prices and mentions:
        _add_market_data(mentions, services)
    fixes.plan(text, mentions)
    counts = Counter(m.verdict.status for m in mentions)
    meta = {
        "version": __version__,
        "as_of": as_of,
        "counts": {status: counts.get(status, 0) for status in ("valid", "corrected", "unverified", "unknown",
                                                                  "ambiguous")},
        "prices": services.settings.market_data if prices else "disabled",
        "refdata": services.refdata_versions,
    }
    if truncated:
        meta["truncated"] = True
        meta["warnings"] = [f"only the first {cap} tags were checked (ENRICH_MAX_MENTIONS)"]
    return Enrichment(text=text, mentions=mentions, meta=meta)


def _add_market_data(mentions: list[Mention], services: Services) -> None:
    """One quote call for every listing in the document: live evidence for each verdict, then price context."""
    wanted = {m.verdict.resolved.yahoo_symbol: m.verdict.resolved.mic for m in mentions if m.verdict.resolved}
    results = services.market.quotes(list(wanted), services.settings.price_deadline_ms / 1000, mics=wanted)
    now = time.time()
    for mention in mentions:
        resolved = mention.verdict.resolved
        result = results.get(resolved.yahoo_symbol) if resolved else None
        mention.verdict = with_live(mention.tag, mention.verdict, live_listing(result))
        if resolved is None:
            mention.price, mention.price_status, mention.price_detail = None, "unavailable", "no listing resolved"
        else:
            mention.price, mention.price_status, mention.price_detail = price_context(result, now)


def fixed_text(enrichment: Enrichment) -> str:
    """The article with every correction applied."""
    return fixes.apply(enrichment.text, enrichment.mentions)


__all__ = ["Enrichment", "Mention", "enrich", "fixed_text"]
