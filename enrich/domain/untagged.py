"""Companies the article names, tagged or not: which name hits are listed companies, and the tag to suggest.

Precision first (SPEC): a wrong link is worse than a missing one. A hit counts only written as a name
(capitalised) and standing alone (not inside a longer proper name such as "Unity China" or "Satoshi
Nakamoto"); a name that is also ordinary text (`Apple`, `Target`, `Shanghai`) counts only where the text says it
is the company: a legal form after it, a tag for it elsewhere in the article, "shares of", a company verb; two
companies with one name are linked only when a tag in the article picks one.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from enrich.domain import namecontext as nc
from enrich.domain import symbols
from enrich.domain.identity import IdentityMemo
from enrich.domain.model import CompanyListing, CompanyMention, Evidence, Mention
from enrich.domain.names import names_match
from enrich.domain.sources import NAME_INDEX
from enrich.domain.venues import GERMAN_VENUES, VENUES, by_mic, venue_for

SOURCE = NAME_INDEX
@dataclass(frozen=True, slots=True)
class NameEntry:
    """One way to write one listed company's name, with the company's primary listing."""

    name: str  # as the index writes it: "Baidu", "China Mobile", "Meta Platforms"
    kind: str  # "full" (legal form removed), "short" (also "Holdings", "Group"...), "alias" (curated short form)
    company: str  # the listed name: "Baidu, Inc."
    symbol: str  # canonical
    venue_key: str
    country: str | None
    zipf: float  # how common the name is as an English word (wordfreq), 0.0 for several words
    plain: bool  # also ordinary text (a dictionary word, a place, only generic words): linked only with evidence
    source: str
    family: bool = False  # a name other companies' names open (`Mitsubishi`, `CVS`): only a legal form or ticker
    size: str = ""  # FinanceDatabase's market-cap class of a non-US listing (`large`, `micro`...), else empty
    until: str = ""  # the last day the company traded under this name (gone since, or renamed), else empty

class NameHit(NamedTuple):
    """A name found in the text: its span and every entry written that way (a tuple: a long text has thousands,
    and a frozen dataclass costs three times as much to make)."""

    start: int
    end: int
    entries: tuple[NameEntry, ...]


class NameIndex(Protocol):
    """Finds the index's names in a text (enrich/refdata/names.py implements it)."""

    def find(self, text: str, date: str | None = None) -> Iterable[NameHit]:
        """Every occurrence of an indexed name as whole words, the longest where two overlap, in text order; of
        companies known by it on `date` (YYYY-MM-DD; today when None)."""
        ...

    def as_of(self) -> str | None:
        """The as-of date of the index."""
        ...


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A company the article tags: where its name stands and the listing its tag resolved to."""

    span: tuple[int, int]
    company: str
    listing: CompanyListing
    key: tuple[str, str]  # (canonical symbol, venue key)
    label: str  # "NASDAQ: MSFT", as the article wrote the tag
    confidence: float


def link(text: str, mentions: Sequence[Mention], index: NameIndex, date: str | None = None) -> list[CompanyMention]:
    """Every listed company the text names, tagged or not, in text order; a suggestion on the first untagged
    mention of a company no tag in the article names. `date`: the article's (YYYY-MM-DD; today when None), for
    companies known by a name only until a date."""
    tagged = _tagged(text, mentions)
    inside = [m.tag.span for m in mentions]  # the tags' own text (`NASDAQ: Meta`) names no company
    as_of = index.as_of()
    found: list[CompanyMention] = [
        CompanyMention(t.span, text[t.span[0]:t.span[1]], t.listing, t.confidence, True,
                       (_note(f"the article tags it: {t.label}", None),)) for t in tagged]
    taken = [t.span for t in tagged]
    hits = list(index.find(text, date))
    defined = _defined_terms(text, tagged, hits)
    people = _People(text, hits)
    blocked = sorted([*inside, *taken])
    blocked_starts = [b[0] for b in blocked]
    lookup = _TagLookup(tagged)
    linked: list[tuple[CompanyMention, tuple[str, str], bool]] = []
    pending: list[NameHit] = []
    brackets: list[NameHit] = []
    for hit in hits:
        start, end, _ = hit
        if blocked:
            at = bisect.bisect_left(blocked_starts, end) - 1
            if at >= 0 and (blocked[at][0] < end and start < blocked[at][1] or
                            at >= 1 and blocked[at - 1][0] < end and start < blocked[at - 1][1]):
                continue  # inside a tag, or the tagged company's own name
        term = text[start:end]
        if defined and term in defined:  # (“CiTech” or the “Company”): the article's own short name for a company
            tag = defined[term]
            if tag is not None and not people.named(hit):
                found.append(CompanyMention((start, end), term, tag.listing, 0.85, False, (_note(
                    f"{term!r} is the article's short name for the company it tags as {tag.label}", as_of),)))
            continue
        if start and text[start - 1] == "(" and text[end:end + 1] == ")":
            if not people.named(hit):
                brackets.append(hit)  # `Taiwan Semiconductor Manufacturing Company (TSMC)`: decided below
            continue
        if not lookup and _facts(term, hit.entries).only_listed and nc.no_context(text, start, end):
            pending.append(hit)  # what `_untagged` answers for it, asked for less
            continue
        outcome = _untagged(text, hit, lookup, as_of)
        if outcome is _IN_A_LIST:
            pending.append(hit)  # a person's name or not: asked if the list or a link elsewhere would count it
        elif outcome is not None and not people.named(hit):
            linked.append(outcome)
    listed, pending = _listed_with_others(text, pending, [*taken, *(m.span for m, _, _ in linked)], lookup, as_of,
                                          people)
    linked += listed
    linked += _named_elsewhere(text, pending, linked, as_of, people)
    linked += _abbreviations(text, brackets, [*found, *(m for m, _, _ in linked)], as_of)
    suggested: set[tuple[str, str]] = set()
    for mention, key, with_tag in sorted(linked, key=lambda x: x[0].span):
        if not with_tag and key not in suggested:
            suggested.add(key)
            listing = mention.listing
            suggestion = (mention.span, f"{mention.text} ({listing.exchange}: {listing.symbol})")
            mention = CompanyMention(mention.span, mention.text, listing, mention.confidence, False,
                                     mention.evidence, suggestion)
        found.append(mention)
    return sorted(found, key=lambda c: c.span)




class _People:
    """Names the article writes after a first name (`Satoshi Nakamoto`, `Thomas Schaffer`) somewhere: a person's,
    wherever else they stand. Asked only of hits that would count, once per name."""

    def __init__(self, text: str, hits: Sequence[NameHit]):
        self._text = text
        self._hits = hits
        self._by_name: dict[str, list[NameHit]] | None = None
        self._known: dict[str, bool] = {}

    def named(self, hit: NameHit) -> bool:
        text = self._text
        name = text[hit.start:hit.end].casefold()
        if name not in self._known:
            if self._by_name is None:
                self._by_name = {}
                for h in self._hits:
                    self._by_name.setdefault(text[h.start:h.end].casefold(), []).append(h)
            self._known[name] = any(nc.after_a_name(text, h.start) for h in self._by_name[name])
        return self._known[name]


def _listed_with_others(text: str, pending: Sequence[NameHit], anchors: list[tuple[int, int]],
                        tagged: _TagLookup, as_of: str | None, people: _People
                        ) -> tuple[list[tuple[CompanyMention, tuple[str, str], bool]], list[NameHit]]:
    """Names that are also ordinary words, linked where the article lists them with companies it names
    (`Apple, Microsoft and Amazon`): a list of companies says what its other items are. Sweeps forward and
    back along the text (twice), so a list's links spread from any company in it, in linear time."""
    done: list[tuple[CompanyMention, tuple[str, str], bool]] = []
    waiting = sorted(pending, key=_START)
    spans = sorted(anchors)
    if not spans or not waiting:
        return done, waiting  # no company to list them with, or nothing to list
    waiting, apart = _near_anchors(waiting, spans)
    if not waiting:
        return done, apart
    for _ in range(2):
        linked_before = len(done)
        for forward in (True, False):
            events = sorted([(s, e, None) for s, e in spans] + [(h.start, h.end, h) for h in waiting],
                            key=_START, reverse=not forward)
            near = None  # the nearest anchor behind us in this sweep's direction
            kept = []
            for start, end, hit in events:
                if hit is None:
                    near = (start, end)
                    continue
                gap = (text[near[1]:start] if forward else text[end:near[0]]) if near else None
                outcome = None
                if gap is not None and nc.list_gap(gap):
                    outcome = _untagged(text, hit, tagged, as_of, listed=True)
                if outcome is not None and outcome is not _IN_A_LIST and not people.named(hit):
                    done.append(outcome)
                    spans.append((start, end))
                    near = (start, end)
                else:
                    kept.append(hit)
            waiting = sorted(kept, key=_START)
        if len(done) == linked_before:
            break  # a round that linked nothing: the next would be the same
    return done, sorted([*waiting, *apart], key=_START)


def _near_anchors(waiting: list[NameHit], spans: list[tuple[int, int]]) -> tuple[list[NameHit], list[NameHit]]:
    """The hits a list could link, and the others: a hit is linked only within LIST_SPAN_MAX characters of a
    company or of a hit so linked, so only runs of names with no wider gap between them that hold a company
    matter (both lists sorted by start)."""
    near: list[NameHit] = []
    apart: list[NameHit] = []
    run: list[NameHit] = []
    anchored = False
    reach = -1  # the furthest end in the current run
    w = a = 0
    while w < len(waiting) or a < len(spans):
        if a < len(spans) and (w == len(waiting) or spans[a][0] <= waiting[w].start):
            start, end, hit = spans[a][0], spans[a][1], None
            a += 1
        else:
            hit = waiting[w]
            start, end = hit.start, hit.end
            w += 1
        if reach >= 0 and start - reach > nc.LIST_SPAN_MAX:
            (near if anchored else apart).extend(run)
            run, anchored = [], False
        if hit is None:
            anchored = True
        else:
            run.append(hit)
        reach = max(reach, end)
    (near if anchored else apart).extend(run)
    return near, apart


def _named_elsewhere(text: str, pending: Sequence[NameHit], linked: Sequence[tuple[CompanyMention, tuple[str, str],
                                                                                   bool]], as_of: str | None,
                     people: _People) -> list[tuple[CompanyMention, tuple[str, str], bool]]:
    """A name that is also a word, linked where the article names the same company as such elsewhere (`Target
    Corporation ... Target said`): the article has said which it means."""
    if not linked:
        return []
    known: dict[tuple[str, str], dict[str, CompanyMention]] = {}
    for m, key, _ in linked:
        known.setdefault(key, {}).setdefault(m.text.casefold(), m)
    done = []
    symbols_known = {key[0] for key in known}
    for hit in pending:
        if len(hit.entries) == 1 and hit.entries[0].symbol not in symbols_known:
            continue  # a company the article links nowhere else
        written = text[hit.start:hit.end]
        for entry in _distinct(hit.entries):
            key = (entry.symbol, entry.venue_key)
            names = known.get(key, {})
            same = names.get(written.casefold()) or next(
                (m for name, m in names.items() if name.startswith(written.casefold() + " ")), None)
            if same is not None and nc.stands_alone(text, hit.start, hit.end) and not people.named(hit):
                finding = f"{written!r} names {entry.company} ({_label(entry)}), as the article does elsewhere"
                done.append((CompanyMention((hit.start, hit.end), written, same.listing, 0.75, False,
                                            (_note(finding, as_of),)), key, False))
                break
    return done


def _abbreviations(text: str, brackets: Sequence[NameHit], named: Sequence[CompanyMention], as_of: str | None
                   ) -> list[tuple[CompanyMention, tuple[str, str], bool]]:
    """A name in brackets right after a company's name is that company's short name (`... Company (TSMC)`)."""
    done = []
    by_end = sorted(named, key=lambda m: m.span[1])
    ends = [m.span[1] for m in by_end]
    for hit in brackets:
        at = bisect.bisect_right(ends, hit.start - 1)
        near = [m for m in by_end[max(0, at - 3):at] if 0 <= hit.start - 1 - m.span[1] <= 10]
        before = next((m for m in reversed(near)
                       if not text[m.span[1]:hit.start - 1].strip(" ,.").replace("Company", "").replace(
                           "Corporation", "").replace("Inc", "").replace("Ltd", "").strip(" ,.")), None)
        if before is None:
            continue
        written = text[hit.start:hit.end]
        finding = f"{written!r} in brackets after {before.text!r} is its short name"
        key = (symbols.canonical(before.listing.symbol), next(v.key for v in VENUES.values()
                                                             if v.mic == before.listing.mic))
        done.append((CompanyMention((hit.start, hit.end), written, before.listing, before.confidence, before.tagged,
                                    (_note(finding, as_of),)), key, True))
    return done


_OPENING = ("“", '"')
_QUOTED = re.compile(r"[“\"]([^”\"\n]{2,40})[”\"]")


def _defined_terms(text: str, tagged: Sequence[_Tagged], hits: Sequence[NameHit]) -> dict[str, _Tagged | None]:
    """Terms the article defines in quotes (`(“CiTech” or the “Company”)`), each with the tag it follows
    closely, if any: such a term is the article's name for that company, not another listed one. Only the names
    found are looked at."""
    terms: dict[str, _Tagged | None] = {}
    wanted: set[str] | None = None  # the names found, gathered at the first quoted term
    for match in _quoted(text):
        term = match.group(1).strip()
        if wanted is None:
            wanted = {text[h.start:h.end] for h in hits}
        if term not in wanted:
            continue
        near = [t for t in tagged if 0 <= match.start() - t.span[1] <= 120
                and term[:1].casefold() == t.company.lstrip("“\"'(")[:1].casefold()]
        if term not in terms or (terms[term] is None and near):
            terms[term] = near[-1] if near else None
    return terms


def _quoted(text: str) -> Iterable[re.Match[str]]:
    """`_QUOTED.finditer(text)`, tried only where a quote opens (found by `str.find`: the regex engine looks for
    `“` one character at a time)."""
    pos, size = 0, len(text)
    ahead = {quote: text.find(quote) for quote in _OPENING}
    while pos < size:
        for quote, at in ahead.items():
            if 0 <= at < pos:
                ahead[quote] = text.find(quote, pos)
        found = [at for at in ahead.values() if at >= 0]
        if not found:
            return
        pos = min(found)
        match = _QUOTED.match(text, pos)
        if match is None:
            pos += 1
        else:
            yield match
            pos = match.end()


def _tagged(text: str, mentions: Sequence[Mention]) -> list[_Tagged]:
    """The companies the article's tags name, with their resolved listings; a company tagged on several venues
    (`Denison Mines Corp. (TSX: DML) (NYSE American: DNN)`) links to one: a US exchange first, as names do."""
    chosen = _tagged_all(text, mentions)
    best: dict[tuple[int, int], _Tagged] = {}
    for t in chosen:
        if t.span not in best or _tag_rank(t) < _tag_rank(best[t.span]):
            best[t.span] = t
    return sorted(best.values(), key=lambda t: t.span)


def _tag_rank(t: _Tagged) -> int:
    venue = VENUES[t.key[1]]
    if venue.is_us and venue.family != "OTC":
        return 0
    return 2 if venue.family == "OTC" or venue.key in GERMAN_VENUES else 1


def _tagged_all(text: str, mentions: Sequence[Mention]) -> list[_Tagged]:
    out = []
    for m in mentions:
        resolved, tag = m.verdict.resolved, m.tag
        venue = by_mic(resolved.mic) if resolved is not None else None
        if resolved is None or venue is None or not tag.company or not tag.company_span:
            continue
        listing = CompanyListing(resolved.symbol, resolved.exchange, resolved.mic, resolved.yahoo_symbol,
                                 resolved.name)
        out.append(_Tagged(tag.company_span, tag.company, listing, (symbols.canonical(resolved.symbol), venue.key),
                           text[tag.span[0]:tag.span[1]], m.verdict.confidence))
    return out


_START = operator.itemgetter(0)  # a hit's or an event's start
# What says a plain name is the company, short of a legal form.
_WEAK = (nc.POSSESSIVE, nc.BACKER, nc.HEADLINE, nc.VERB, nc.LISTED)
_GROUP_AFTER = re.compile(r"[ \t]+Group\b")  # `Group` as the name's own legal form (`Alibaba Group`) or not
_IN_A_LIST = object()  # `_untagged`'s answer for a name that counts only among other companies


def _untagged(text: str, hit: NameHit, tagged: _TagLookup, as_of: str | None, listed: bool = False
              ) -> tuple[CompanyMention, tuple[str, str], bool] | object | None:
    """A hit outside any tag: linked when it is written as a name, stands alone and, if the name is also
    ordinary text or several companies', when the text says which company it is. `_IN_A_LIST` (a name that
    counts only among companies) is answered before asking whether the hit stands alone: whoever links it asks."""
    start, end, hit_entries = hit
    written = text[start:end]
    facts = _facts(written, hit_entries)
    if not facts.as_name:
        return None
    entry = facts.entry
    group = _GROUP_AFTER.match(text, end)
    if group and (f"{written} Group".casefold() not in entry.company.casefold() or
                  facts.plain and not nc.legal_form(text, group.end())):
        return None  # `Toyota Group`, `Tata Group`, `Facebook Group`: a family of companies, or a product's group;
        # `Everest Group` (the analysts, or the insurer) for a plain name: only a legal form after it says which
    if tagged:  # a company tagged elsewhere in the article: its tag's listing, no suggestion
        tag = tagged.find(written, facts.key)
        if tag is None and not facts.single:
            tag, entry = next(((t, e) for e in facts.entries[1:] if (t := tagged.find(written, (e.symbol,
                                                                                            e.venue_key)))),
                              (None, entry))
        if tag is not None:
            if not nc.stands_alone(text, start, end):
                return None
            evidence = (_note(f"{written!r} is {entry.company}, which the article tags elsewhere: {tag.label}",
                              as_of),)
            return CompanyMention((start, end), written, tag.listing, 0.9, False, evidence), tag.key, True
    if not facts.single:
        return None  # several companies answer to this name and no tag says which: when in doubt, no link
    plain, bare_never = facts.plain, facts.bare_never
    said = nc.context(text, start, end, entry.symbol)
    if said in (nc.POSSESSIVE, nc.BACKER, nc.HEADLINE) and not facts.known_company:
        said = None  # `Here's`, `Earth's`, `Family-owned`, `Record Earnings`: a company only of a name known as one
    if said and said != "legal form" and bare_never:
        said = None  # `Nasdaq stock symbol`, `Bitcoin investors`: the market or the coin, not the company
    if plain and said is None and not bare_never:
        if listed and not entry.family and (entry.kind != "first" or not nc.sentence_start(text, start)):
            said = nc.LISTED
        else:
            return _IN_A_LIST  # also ordinary text: a company only among companies (standing alone: asked there)
    if plain and said is None:
        return None  # also ordinary text, and nothing says it is the company here
    if plain and said in _WEAK and tagged.named_longer(text, written):
        return None  # `Hilton’s` in an article on Hilton Capital Management: that firm's short name as likely
    if not said and facts.small_foreign and not tagged.speaks_of(text, entry.venue_key):
        return None  # `Starburst` (SGX), `Daytona` (Tokyo) in a US story: a word before a small foreign company
        # (a large one, Capgemini or Iberdrola, is named in any story when its name is its own: a rare word, not
        # the first word of a longer name; `Remy`, `Coles`, `Thales` stay words)
    if entry.family and said not in ("legal form", "its ticker follows"):
        return None  # `Mitsubishi`, `CVS`: other companies' names open with it
    if entry.kind == "first" and not said and (nc.sentence_start(text, start) or nc.title_line(text, start)):
        return None  # `Hyperscale` opening a sentence: a first word alone needs its capital to mean something
    if not nc.stands_alone(text, start, end):
        return None  # asked last: the costliest question, and most hits are answered before it
    confidence = 0.95 if said == "legal form" else 0.85 if not plain else 0.8 if said else 0.75
    finding = f"{written!r} names {entry.company} ({facts.label})"
    if said:
        finding += f"; the text says it is the company ({said})"
    return (CompanyMention((start, end), written, facts.listing, confidence, False, (_note(finding, as_of),)),
            facts.key, False)


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a name written one way says wherever it stands (worked out once per way of writing and entries)."""

    entries: tuple[NameEntry, ...]  # one per company, curated ones first
    as_name: bool  # written as a name (capitalised, an acronym in capitals)
    plain: bool  # also ordinary text (or an acronym, or an exchange's name): linked only with evidence
    bare_never: bool  # never the company without a legal form (`Nasdaq`, `Bitcoin`)
    small_foreign: bool  # one word, not curated, of a company listed outside the US
    entry: NameEntry  # the first
    single: bool  # one company
    key: tuple[str, str]  # the first entry's (symbol, venue key)
    label: str  # the first entry's `NASDAQ: MSFT`
    listing: CompanyListing  # the first entry's listing
    only_listed: bool  # a name, one company's, also plain text: where nothing says it is the company, `_IN_A_LIST`
    known_company: bool  # curated (a name people write for the company), or several words: a possessive says it


_LARGE = ("mega", "large")  # market-cap classes of companies known well beyond their market (Capgemini, Iberdrola)
_RARE = 2.5  # wordfreq's Zipf value under which a name is no common word, first name, surname or place (Thales 2.7)
_facts_known: IdentityMemo[_Facts] = IdentityMemo(65_536)


def _facts(written: str, hit_entries: tuple[NameEntry, ...]) -> _Facts:
    """The facts of a name written this way with these entries: the index hands every hit of a name the same
    entries, so they are worked out once per way of writing and entries."""
    return _facts_known.get((written, id(hit_entries)), (hit_entries,), lambda: _facts_of(written, hit_entries))


def _facts_of(written: str, hit_entries: tuple[NameEntry, ...]) -> _Facts:
    entries = tuple(_distinct(hit_entries))
    entry = entries[0]
    # `NFT`, `API`, `CKD` are terms before companies; `FORD`, `META` in capitals where the company writes `Ford`,
    # `Meta` are as likely a ticker (Forward Industries trades as FORD). `Nasdaq` is the exchange more often than
    # Nasdaq, Inc.
    acronym = written.isupper() and len(written.replace(" ", "")) <= 5 and (
        entry.source != "curated" or not entry.name.isupper())
    exchange = venue_for(written) is not None
    small_foreign = (entry.source != "curated" and " " not in written and not VENUES[entry.venue_key].is_us
                     and not (entry.size in _LARGE and entry.kind != "first" and entry.zipf < _RARE))
    # `Also,` `Today,` `However,`: a word that opens sentences, written as it does, is that word (ALSO Holding).
    as_name = _written_as_name(written, entries) and not nc.opener(written)
    plain, bare_never = entry.plain or acronym or exchange, exchange or written.casefold() in nc.BARE_NEVER
    return _Facts(entries, as_name, plain, bare_never, small_foreign, entry, len(entries) == 1,
                  (entry.symbol, entry.venue_key), _label(entry), listing_of(entry),
                  as_name and plain and not bare_never and len(entries) == 1,
                  entry.source == "curated" or " " in written)


class _TagLookup:
    """The article's tagged companies by listing and by their name's first word (a long article has many); and
    what the article says once asked (whether it writes a name as the opening of another organisation's name,
    whether it speaks of a market)."""

    def __init__(self, tagged: Sequence[_Tagged]):
        self._by_key: dict[tuple[str, str], _Tagged] = {}
        self._by_word: dict[str, list[_Tagged]] = {}
        self._opening: dict[str, _Tagged | None] = {}  # by written name: the tagged company it opens the name of
        self._longer: dict[str, bool] = {}  # by written name: nc.named_longer's answer for this article
        self._speaks: dict[str, bool] = {}  # by venue key: nc.speaks_of's answer for this article
        for t in tagged:
            self._by_key.setdefault(t.key, t)
            words = t.company.casefold().replace(",", " ").split()
            if words:
                self._by_word.setdefault(words[0], []).append(t)

    def __bool__(self) -> bool:
        return bool(self._by_key)  # the article tags a company

    def named_longer(self, text: str, written: str) -> bool:
        """`nc.named_longer` for this article, asked once per name."""
        if written not in self._longer:
            self._longer[written] = nc.named_longer(text, written)
        return self._longer[written]

    def speaks_of(self, text: str, venue_key: str) -> bool:
        """`nc.speaks_of` for this article, asked once per market."""
        if venue_key not in self._speaks:
            self._speaks[venue_key] = nc.speaks_of(text, venue_key)
        return self._speaks[venue_key]

    def find(self, written: str, key: tuple[str, str]) -> _Tagged | None:
        """The tag for this listing, or for a company whose name the written name opens."""
        tag = self._by_key.get(key)
        if tag is not None or not self._by_key:
            return tag  # the listing's tag, or the article tags nothing
        if written not in self._opening:
            words = written.casefold().split()
            self._opening[written] = next((t for t in self._by_word.get(words[0], ()) if _opens(written, t.company)),
                                          None) if words else None
        return self._opening[written]


def _opens(written: str, company: str) -> bool:
    """`Mullen` for `Mullen Automotive`: the name is the first words of the tagged company's name."""
    words, theirs = written.casefold().split(), company.casefold().replace(",", " ").split()
    return theirs[:len(words)] == words and names_match(company, written) >= 0.5


def _distinct(entries: Sequence[NameEntry]) -> list[NameEntry]:
    """One entry per company (several ways of writing it collapse), curated ones first."""
    if len(entries) == 1:
        return list(entries)
    seen: dict[tuple[str, str], NameEntry] = {}
    for entry in sorted(entries, key=lambda e: e.source != "curated"):
        seen.setdefault((entry.symbol, entry.venue_key), entry)
    return list(seen.values())


def _written_as_name(written: str, entries: Sequence[NameEntry]) -> bool:
    """Capitalised as a name: every significant word starts upper case (or as the index writes it); an acronym
    (`IBM`, `HSBC`) only in capitals."""
    if any(e.name == written for e in entries):
        return True
    short = [e for e in entries if e.name.isupper() and len(e.name.replace(" ", "")) <= 5]
    if short and not (len(written) >= 4 and written.istitle() and written.isalpha()):
        return False  # `IBM`, `BMW` only in capitals; a word-like name the SEC writes in capitals (`NIKE`) as `Nike`
    words = written.split()
    first = words[0] if words else ""
    camel = len(first) >= 4 and any(c.isupper() for c in first[1:])  # `eBay`, `iRobot`
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in nc.CONNECTORS for w in words[1:]) and (
        first[:1].isupper() or first[:1].isdigit() or camel)


def _label(entry: NameEntry) -> str:
    return f"{VENUES[entry.venue_key].label}: {symbols.display(entry.symbol)}"


def listing_of(entry: NameEntry) -> CompanyListing:
    """The listing a name entry links to (its company's primary listing)."""
    venue = VENUES[entry.venue_key]
    return CompanyListing(symbols.display(entry.symbol), venue.label, venue.mic,
                          symbols.yahoo_symbol(entry.symbol, venue), entry.company)


def _note(finding: str, as_of: str | None) -> Evidence:
    return Evidence(SOURCE, as_of, finding)
