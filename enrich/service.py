"""The one use case: text in, every tag found, checked and corrected, as an Enrichment."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from enrich import __version__
from enrich.domain import fixes, symbols
from enrich.domain.live import with_live
from enrich.domain.mentions import extract
from enrich.domain.model import Enrichment, Mention, Tag
from enrich.domain.namedates import at_date
from enrich.domain.reference import Reference
from enrich.domain.untagged import link
from enrich.domain.venues import VENUES
from enrich.domain.verdicts import SEC
from enrich.errors import EnrichError, TooLarge
from enrich.market.context import live_listing, price_context
from enrich.wiring import VERDICT_CACHE_SIZE, Services


def enrich(text: str, services: Services, *, as_of: str | None = None, prices: bool = True,
           names: bool = False) -> Enrichment:
    """Find every tag in `text`, judge it against the references and plan the fix for each correction; with
    `names`, also link every listed company the text names, tagged or not."""
    (result,) = enrich_many([(text, as_of)], services, prices=prices, names=names)
    if isinstance(result, EnrichError):
        raise result
    return result


def enrich_many(documents: Sequence[tuple[str, str | None]], services: Services, *,
                prices: bool = True, names: bool = False) -> Iterator[Enrichment | EnrichError]:
    """enrich() for each (text, as_of), in order, with one quote call for them all; a document's error in its place."""
    judged: list[tuple[list[Mention], bool] | EnrichError] = []
    for text, as_of in documents:
        try:
            judged.append(_judged(text, services, as_of))
        except EnrichError as exc:
            judged.append(exc)
    every = [m for j in judged if not isinstance(j, EnrichError) for m in j[0]]
    if prices and every:
        _add_market_data(every, services)
    for (text, as_of), outcome in zip(documents, judged, strict=True):
        if isinstance(outcome, EnrichError):
            yield outcome
            continue
        mentions, truncated = outcome
        fixes.plan(text, mentions)
        meta = _meta(mentions, services, as_of, prices)
        if truncated:
            meta["truncated"] = True
            meta["warnings"] = [f"only the first {services.settings.max_mentions} tags were checked "
                                "(ENRICH_MAX_MENTIONS)"]
        companies = None
        if names:
            companies = at_date(link(text, mentions, services.names(), as_of), mentions, as_of,
                                services.reference.changes)
        yield Enrichment(text=text, mentions=mentions, meta=meta, companies=companies)


def _judged(text: str, services: Services, as_of: str | None) -> tuple[list[Mention], bool]:
    """Every tag (up to ENRICH_MAX_MENTIONS) with its verdict, and whether there were more; TooLarge past the limit."""
    limit = services.settings.max_text_bytes
    if len(text) > limit or (len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit):
        raise TooLarge(f"the text is larger than ENRICH_MAX_TEXT_BYTES ({limit} bytes)")
    mentions = []
    cap = services.settings.max_mentions
    tags = extract(text, limit=cap + 1)
    for tag in tags[:cap]:
        venue = VENUES[tag.venue_key]
        mentions.append(Mention(tag=tag, verdict=services.verdict(tag, as_of), claimed_exchange=venue.label,
                                claimed_mic=venue.mic))
    return mentions, len(tags) > cap


_STATUSES = ("valid", "corrected", "unverified", "unknown", "ambiguous")


def _meta(mentions: list[Mention], services: Services, as_of: str | None, prices: bool) -> dict:
    counts = dict.fromkeys(_STATUSES, 0)
    for mention in mentions:
        if mention.verdict.status in counts:
            counts[mention.verdict.status] += 1
    return {
        "version": __version__,
        "as_of": as_of,
        "counts": counts,
        "prices": services.settings.market_data if prices else "disabled",
        "refdata": services.refdata_versions,
    }


def lookup(symbol: str, services: Services, *, venue_key: str | None = None, as_of: str | None = None,
           prices: bool = True) -> Enrichment | None:
    """One ticker judged as if an article tagged it `VENUE: SYMBOL`, with live evidence and price like any mention.

    Without a venue: the symbol's best listing in the references (US venues first, the SEC first), else OTC for a
    five-letter Y/F symbol (SPEC), else None. `meta.exchange_from` says which.
    """
    origin = "request"
    if venue_key is None:
        venue_key, origin = _best_venue(symbol, services), "reference"
        if venue_key is None and symbols.is_foreign_otc_shape(symbols.canonical(symbol)):
            venue_key, origin = "OTC", "symbol shape"
        if venue_key is None:
            return None
    venue = VENUES[venue_key]
    text = f"{venue.label}: {symbol}"
    tag = Tag(span=(0, len(text)), venue_key=venue.key, venue_text=venue.label, venue_span=(0, len(venue.label)),
              symbol=symbol, symbol_span=(len(text) - len(symbol), len(text)), group=0)
    mentions = [Mention(tag=tag, verdict=services.verdict(tag, as_of), claimed_exchange=venue.label,
                        claimed_mic=venue.mic)]
    if prices:
        _add_market_data(mentions, services)
    return Enrichment(text=text, mentions=mentions, meta={**_meta(mentions, services, as_of, prices),
                                                          "exchange_from": origin})


def _best_venue(symbol: str, services: Services) -> str | None:
    return _best_venues(services.reference)(symbol)


@lru_cache(maxsize=4)
def _best_venues(reference: Reference) -> Callable[[str], str | None]:
    """The symbol's best listing in these references, sorted out once per symbol (a hot lookup asks again)."""
    order = {key: n for n, key in enumerate(VENUES)}

    @lru_cache(maxsize=VERDICT_CACHE_SIZE)
    def best(symbol: str) -> str | None:
        listings = sorted(reference.listings(symbol), key=lambda x: (
            not VENUES[x.venue_key].is_us, x.source != SEC, x.family_only, order[x.venue_key]))
        return listings[0].venue_key if listings else None

    return best


def _add_market_data(mentions: list[Mention], services: Services) -> None:
    """One quote call for every listing in the documents: live evidence for each verdict, then price context."""
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
    """The article with every correction applied, and with names on, every suggested tag added."""
    suggested = [c.suggestion for c in enrichment.companies or () if c.suggestion is not None]
    return fixes.apply(enrichment.text, enrichment.mentions, suggested)


__all__ = ["Enrichment", "Mention", "enrich", "enrich_many", "fixed_text", "lookup"]
