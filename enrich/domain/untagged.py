"""Companies the article names, tagged or not: which name hits are listed companies, and the tag to suggest.

Precision first (SPEC): a wrong link is worse than a missing one. A hit counts only written as a name
(capitalised) and standing alone (not inside a longer proper name such as "Unity China" or "Satoshi
Nakamoto"); a name that is also ordinary text (`Apple`, `Target`, `Shanghai`) counts only where the text says it
is the company: a legal form after it, a tag for it elsewhere in the article, "shares of", a company verb; two
companies with one name are linked only when a tag in the article picks one.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from enrich.domain import symbols
from enrich.domain.model import CompanyListing, CompanyMention, Evidence, Mention
from enrich.domain.names import names_match
from enrich.domain.sources import NAME_INDEX
from enrich.domain.venues import VENUES, by_mic, venue_for

SOURCE = NAME_INDEX
# Legal forms of listed companies (an LLC or LP is private: `Callan LLC` is not Callan JMB Inc.).
_LEGAL = re.compile(r"^,?\s+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|plc|PLC|N\.V|S\.A|"
                    r"AG|SE|Group|Holdings)\b\.?")
_SHARES_BEFORE = re.compile(r"(?:shares|stock|stake|units|ADRs?) (?:of|in) $", re.IGNORECASE)
# What a company does or has, right after its name: `Target reported`, `Apple's shares`, `Shell CEO`.
_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:shares|stock|stockholders|shareholders|CEO|chief executive|CFO|"
                    r"announced|announces|reported|reports|said|says|unveiled|unveils|acquired|acquires|"
                    r"agreed to acquire|completed the acquisition|filed with|quarterly (?:revenue|results|earnings))\b")
_OPENERS = frozenset({"The", "A", "An", "At", "In", "On", "For", "And", "But", "Or", "With", "By", "From", "To",
                      "Of", "As", "Like", "While", "When", "After", "Before", "Both", "Including", "Also", "Then",
                      "Meanwhile", "However", "Rivals", "Shares", "Peers", "Unlike", "Than", "Via", "Through", "If",
                      "Partners", "Investors", "Analysts", "Watch", "Read", "Note", "Giants", "About", "Later",
                      "Yesterday", "Today", "Now", "Last", "Earlier", "Recently", "Separately", "Additionally",
                      "Furthermore", "Moreover", "Currently", "Similarly", "Overall", "Together", "Specifically",
                      "Instead", "Still", "Notably", "Previously", "Since", "Until", "Under", "Over", "During",
                      "Where", "Why", "How", "What", "Who", "Whether", "Although", "Because", "So", "Yet", "Here",
                      "There", "This", "That", "These", "Those", "Its", "Their", "Our", "Your", "My", "His", "Her"})
# Words after a company's name that make a unit of it, not another name: `Google Cloud`, `Amazon Web Services`.
_UNIT = re.compile(r"^[ \t]+(?:Cloud|Web Services|Studios|Television|Pictures|Labs|Research|Ventures|Supercenter|"
                   r"Foundation Models|Pay|Ads|Marketplace|DeepMind)\b")
_CONNECTORS = frozenset({"of", "and", "&", "de", "the", "for", "la", "du", "des", "und", "y"})
# A platform or product rather than the company: `Facebook page`, `the Qualys platform`, `Pinterest: https://`.
_PRODUCT_AFTER = re.compile(r"^(?:'s|’s)?\s*(?:page|pages|account|accounts|app|apps|ads|ad|post|posts|profile|feed|"
                            r"users|website|site|homepage|search|store|channel|video|videos|platform|handle|group|"
                            r"community|marketplace|listing|live|shorts|reels|story|stories|blockchain|network|token|"
                            r"tokens|coin|coins|wallet|ecosystem|mainnet)\b|^\s*:\s*(?:https?://|www\.)",
                            re.IGNORECASE)
# Names that are first of all a market, a coin or a material: linked only with a legal form (`Bitcoin Group SE`).
_BARE_NEVER = frozenset({"bitcoin", "ethereum", "solana", "cardano", "ripple", "dogecoin", "lithium", "quantum",
                         "uranium", "graphite", "copper", "gold", "silver", "nasdaq", "nyse"})
_STATES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
           "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
           "Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
           "North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|"
           "Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Ontario|Quebec|"
           "British Columbia|Alberta")
_COUNTRIES = "England|Scotland|Ireland|Germany|France|Japan|China|India|Israel|Australia"
_AP_STATES = (r"Ala|Ariz|Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|"
              r"N\.H|N\.J|N\.M|N\.Y|N\.C|N\.D|Okla|Ore|Pa|R\.I|S\.C|S\.D|Tenn|Tex|Vt|Va|Wash|W\.Va|Wis|Wyo|"
              r"B\.C|Ont|Que|Alta")
_CODES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
          "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|ON|BC|QC|AB|UK")
_PLACE_AFTER = re.compile(rf"^,\s+(?:(?:{_CODES})\b(?!\.?\s*[a-z])|(?:{_STATES}|{_COUNTRIES})\b(?![ \t]+[A-Z])|"
                          rf"(?:{_AP_STATES})\.)")
_PLACE_BEFORE = re.compile(rf"(?:{_STATES}|(?<![A-Za-z])(?:{_CODES})\.?),[ \t]+$")
_NEXT_WORD = re.compile(r"[ \t]+(?:&[ \t]+)?([^\W_][\w'’.-]*)")
_NUMBER_AFTER = re.compile(r"[ \t]+\d")
_PARTICLE_AFTER = re.compile(r"[ \t]+(?:da|de|di|del|van|von|der|le|la|du)[ \t]+[A-Z]")
_HYPHEN_AFTER = re.compile(r"-[^\W\d_]")
_LINE_OPENING = re.compile(r"\n[#*\s]*$")
_PARTICLE_BEFORE = re.compile(r"(?:^|\s)(?:da|de|di|van|von|der)[ \t]+$")
_PREV_WORD = re.compile(r"([^\W_][\w'’.-]*)[ \t]+$")
_QUOTE_BEFORE = re.compile(r"[\"”’][ \t]+$")
_FIRST_NAME_BEFORE = re.compile(r"(?:^|[\s(])([A-Z][a-z]+)[ \t]+$")
_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
_TICKER_AFTER = re.compile(r"\s*\((?:[A-Za-z .]+:\s*)?([A-Z][A-Z.\-]{0,6})\)")
_PERSON_AFTER = re.compile(r"^,?\s+(?:\w+\s+){0,2}(?:his|her|he|she|himself|herself)\b")


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

@dataclass(frozen=True, slots=True)
class NameHit:
    """A name found in the text: its span and every entry written that way."""

    start: int
    end: int
    entries: tuple[NameEntry, ...]


class NameIndex(Protocol):
    """Finds the index's names in a text (enrich/refdata/names.py implements it)."""

    def find(self, text: str) -> Iterable[NameHit]:
        """Every occurrence of an indexed name as whole words, the longest where two overlap, in text order."""
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


def link(text: str, mentions: Sequence[Mention], index: NameIndex) -> list[CompanyMention]:
    """Every listed company the text names, tagged or not, in text order; a suggestion on the first untagged
    mention of a company no tag in the article names."""
    tagged = _tagged(text, mentions)
    defined = _defined_terms(text, tagged)
    inside = [m.tag.span for m in mentions]  # the tags' own text (`NASDAQ: Meta`) names no company
    as_of = index.as_of()
    found: list[CompanyMention] = [
        CompanyMention(t.span, text[t.span[0]:t.span[1]], t.listing, t.confidence, True,
                       (_note(f"the article tags it: {t.label}", None),)) for t in tagged]
    taken = [t.span for t in tagged]
    hits = list(index.find(text))
    people = {text[h.start:h.end].casefold() for h in hits if _after_a_name(text, h.start)}
    blocked = sorted([*inside, *taken])
    blocked_starts = [b[0] for b in blocked]
    lookup = _TagLookup(tagged)
    linked: list[tuple[CompanyMention, tuple[str, str], bool]] = []
    pending: list[NameHit] = []
    brackets: list[NameHit] = []
    for hit in hits:
        if text[hit.start:hit.end].casefold() in people:
            continue  # once written after a first name (`Satoshi Nakamoto`, `Thomas Schaffer`): a person
        at = bisect.bisect_left(blocked_starts, hit.end) - 1
        if any(0 <= i < len(blocked) and blocked[i][0] < hit.end and hit.start < blocked[i][1] for i in (at, at - 1)):
            continue
        term = text[hit.start:hit.end]
        if term in defined:  # (“CiTech” or the “Company”): the article's own short name for a company
            tag = defined[term]
            if tag is not None:
                found.append(CompanyMention((hit.start, hit.end), term, tag.listing, 0.85, False, (_note(
                    f"{term!r} is the article's short name for the company it tags as {tag.label}", as_of),)))
            continue
        if text[hit.start - 1:hit.start] == "(" and text[hit.end:hit.end + 1] == ")":
            brackets.append(hit)  # `Taiwan Semiconductor Manufacturing Company (TSMC)`: decided below
            continue
        outcome = _untagged(text, hit, lookup, as_of)
        if outcome is _IN_A_LIST:
            pending.append(hit)
        elif outcome is not None:
            linked.append(outcome)
    listed, pending = _listed_with_others(text, pending, [*taken, *(m.span for m, _, _ in linked)], lookup, as_of)
    linked += listed
    linked += _named_elsewhere(text, pending, linked, as_of)
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


# Between two items of a list: separators, and figures that go with each item (`Caterpillar at 4.55%, RTX`).
_LIST_GAP = re.compile(r"^(?=.*(?:[,;/&]|\band\b|\bor\b))[ \t\d.,;:%$€£()/&+-]*"
                       r"(?:\b(?:and|or|at|as well as|plus)\b[ \t\d.,;:%$€£()/&+-]*)*$")


def _listed_with_others(text: str, pending: Sequence[NameHit], anchors: list[tuple[int, int]],
                        tagged: _TagLookup, as_of: str | None
                        ) -> tuple[list[tuple[CompanyMention, tuple[str, str], bool]], list[NameHit]]:
    """Names that are also ordinary words, linked where the article lists them with companies it names
    (`Apple, Microsoft and Amazon`): a list of companies says what its other items are. Sweeps forward and
    back along the text (twice), so a list's links spread from any company in it, in linear time."""
    done: list[tuple[CompanyMention, tuple[str, str], bool]] = []
    waiting = sorted(pending, key=lambda h: h.start)
    spans = sorted(anchors)
    for _ in range(2):
        for forward in (True, False):
            events = sorted([(s, e, None) for s, e in spans] + [(h.start, h.end, h) for h in waiting],
                            key=lambda x: x[0], reverse=not forward)
            near = None  # the nearest anchor behind us in this sweep's direction
            kept = []
            for start, end, hit in events:
                if hit is None:
                    near = (start, end)
                    continue
                gap = (text[near[1]:start] if forward else text[end:near[0]]) if near else None
                outcome = None
                if gap is not None and len(gap) <= 30 and _LIST_GAP.match(gap):
                    outcome = _untagged(text, hit, tagged, as_of, listed=True)
                if outcome is not None and outcome is not _IN_A_LIST:
                    done.append(outcome)
                    spans.append((start, end))
                    near = (start, end)
                else:
                    kept.append(hit)
            waiting = sorted(kept, key=lambda h: h.start)
    return done, waiting


def _named_elsewhere(text: str, pending: Sequence[NameHit], linked: Sequence[tuple[CompanyMention, tuple[str, str],
                                                                                   bool]], as_of: str | None
                     ) -> list[tuple[CompanyMention, tuple[str, str], bool]]:
    """A name that is also a word, linked where the article names the same company as such elsewhere (`Target
    Corporation ... Target said`): the article has said which it means."""
    known: dict[tuple[str, str], dict[str, CompanyMention]] = {}
    for m, key, _ in linked:
        known.setdefault(key, {}).setdefault(m.text.casefold(), m)
    done = []
    for hit in pending:
        written = text[hit.start:hit.end]
        for entry in _distinct(hit.entries):
            key = (entry.symbol, entry.venue_key)
            names = known.get(key, {})
            same = names.get(written.casefold()) or next(
                (m for name, m in names.items() if name.startswith(written.casefold() + " ")), None)
            if same is not None:
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


_QUOTED = re.compile(r"[“\"]([^”\"\n]{2,40})[”\"]")


def _defined_terms(text: str, tagged: Sequence[_Tagged]) -> dict[str, _Tagged | None]:
    """Terms the article defines in quotes (`(“CiTech” or the “Company”)`), each with the tag it follows
    closely, if any: such a term is the article's name for that company, not another listed one."""
    terms: dict[str, _Tagged | None] = {}
    for match in _QUOTED.finditer(text):
        term = match.group(1).strip()
        near = [t for t in tagged if 0 <= match.start() - t.span[1] <= 120
                and term[:1].casefold() == t.company.lstrip("“\"'(")[:1].casefold()]
        if term not in terms or (terms[term] is None and near):
            terms[term] = near[-1] if near else None
    return terms


def _tagged(text: str, mentions: Sequence[Mention]) -> list[_Tagged]:
    """The companies the article's tags name, with their resolved listings."""
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


_IN_A_LIST = object()  # `_untagged`'s answer for a name that counts only among other companies


def _untagged(text: str, hit: NameHit, tagged: _TagLookup, as_of: str | None, listed: bool = False
              ) -> tuple[CompanyMention, tuple[str, str], bool] | object | None:
    """A hit outside any tag: linked when it is written as a name, stands alone and, if the name is also
    ordinary text or several companies', when the text says which company it is."""
    written = text[hit.start:hit.end]
    entries = _distinct(hit.entries)
    if not _written_as_name(written, entries) or not _stands_alone(text, hit.start, hit.end):
        return None
    for entry in entries:  # a company tagged elsewhere in the article: its tag's listing, no suggestion
        tag = tagged.find(written, (entry.symbol, entry.venue_key))
        if tag is not None:
            evidence = (_note(f"{written!r} is {entry.company}, which the article tags elsewhere: {tag.label}",
                              as_of),)
            return CompanyMention((hit.start, hit.end), written, tag.listing, 0.9, False, evidence), tag.key, True
    if len(entries) > 1:
        return None  # several companies answer to this name and no tag says which: when in doubt, no link
    entry = entries[0]
    said = _context(text, hit.start, hit.end, entry.symbol)
    acronym = written.isupper() and len(written.replace(" ", "")) <= 5 and entry.source != "curated"
    # `Nasdaq` is the exchange more often than Nasdaq, Inc.; `NFT`, `API`, `CKD` are terms before companies.
    plain = entry.plain or acronym or venue_for(written) is not None
    if said and said != "legal form" and (venue_for(written) is not None or written.casefold() in _BARE_NEVER):
        said = None  # `Nasdaq stock symbol`, `Bitcoin investors`: the market or the coin, not the company
    bare_never = venue_for(written) is not None or written.casefold() in _BARE_NEVER
    if plain and said is None and not bare_never:
        if listed and not entry.family and (entry.kind != "first" or not _sentence_start(text, hit.start)):
            said = "listed with other companies"
        else:
            return _IN_A_LIST  # also ordinary text: a company only among companies
    if plain and said is None:
        return None  # also ordinary text, and nothing says it is the company here
    if (not said and entry.source != "curated" and " " not in written and not VENUES[entry.venue_key].is_us
            and not _speaks_of(text, entry.venue_key)):
        return None  # `Starburst` (SGX), `Daytona` (Tokyo) in a US story: a word before a small foreign company
    if entry.family and said not in ("legal form", "its ticker follows"):
        return None  # `Mitsubishi`, `CVS`: other companies' names open with it
    if entry.kind == "first" and not said and (_sentence_start(text, hit.start) or _title_line(text, hit.start)):
        return None  # `Hyperscale` opening a sentence: a first word alone needs its capital to mean something
    confidence = 0.95 if said == "legal form" else 0.85 if not plain else 0.8 if said else 0.75
    finding = f"{written!r} names {entry.company} ({_label(entry)})"
    if said:
        finding += f"; the text says it is the company ({said})"
    listing = listing_of(entry)
    return (CompanyMention((hit.start, hit.end), written, listing, confidence, False, (_note(finding, as_of),)),
            (entry.symbol, entry.venue_key), False)


class _TagLookup:
    """The article's tagged companies by listing and by their name's first word (a long article has many)."""

    def __init__(self, tagged: Sequence[_Tagged]):
        self._by_key: dict[tuple[str, str], _Tagged] = {}
        self._by_word: dict[str, list[_Tagged]] = {}
        for t in tagged:
            self._by_key.setdefault(t.key, t)
            words = t.company.casefold().replace(",", " ").split()
            if words:
                self._by_word.setdefault(words[0], []).append(t)

    def find(self, written: str, key: tuple[str, str]) -> _Tagged | None:
        """The tag for this listing, or for a company whose name the written name opens."""
        if key in self._by_key:
            return self._by_key[key]
        words = written.casefold().split()
        return next((t for t in self._by_word.get(words[0], ()) if _opens(written, t.company)), None) if words else None


def _opens(written: str, company: str) -> bool:
    """`Mullen` for `Mullen Automotive`: the name is the first words of the tagged company's name."""
    words, theirs = written.casefold().split(), company.casefold().replace(",", " ").split()
    return theirs[:len(words)] == words and names_match(company, written) >= 0.5


def _distinct(entries: Sequence[NameEntry]) -> list[NameEntry]:
    """One entry per company (several ways of writing it collapse), curated ones first."""
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
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words) and written[0].isupper()


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer proper name, a defined term, a dateline, a person or a product: no capitalised word
    right after (but a legal form or a bracket), none right before (but a sentence opener), no quote before."""
    after = text[end:end + 40]
    nxt = _NEXT_WORD.match(after)
    if nxt and nxt.group(1)[0].isupper() and not _LEGAL.match(after) and not _UNIT.match(after):
        return False
    if after.startswith("@") or _PRODUCT_AFTER.match(after) or _PERSON_AFTER.match(after):
        return False
    if _NUMBER_AFTER.match(after):
        return False  # `Daytona 500`, `Boeing 747`: an event or a model
    if _PARTICLE_AFTER.match(after) or _HYPHEN_AFTER.match(after):
        return False  # `Leonardo da Vinci`, `Embry-Riddle`, `adidas-branded`: a longer name, or a brand in use
    if text[start:end].isupper() and after[:2] in (", ", ",\t", ",\n") and _LINE_OPENING.search(
            "\n" + text[max(0, start - 80):start]):
        return False  # `WILMINGTON, NC` opening a line: a dateline
    if _PLACE_AFTER.match(after):
        return False  # `Wilmington, NC`, `Austin, Texas`: a place
    before = text[max(0, start - 40):start]
    if _PARTICLE_BEFORE.search(before) or _PLACE_BEFORE.search(before):
        return False  # `da Vinci`, `California, Berkeley`: part of a person's or a place's name
    prev = _PREV_WORD.search(before)
    if prev and prev.group(1)[0].isupper() and prev.group(1) not in _OPENERS:
        return False
    if before.endswith(("@", "#", "/", ".", "-")):
        return False  # `@Apple`, `www.apple`, `YXT.com`: a handle or an address
    quoted = before.endswith(('"', "“", "‘")) and after.startswith(('"', "”", "’"))
    return not quoted  # `(“CiTech”)`: a defined term (link() decides); `(TSMC)` too


def _after_a_name(text: str, start: int) -> bool:
    """Written right after a capitalised word that opens no sentence, or after a nickname in quotes (`Anthony "Amp"
    Elmore`): the rest of a person's name."""
    before = text[max(0, start - 40):start]
    if _QUOTE_BEFORE.search(before):
        return True
    prev = _FIRST_NAME_BEFORE.search(before)
    return bool(prev) and prev.group(1) not in _OPENERS and not _title_line(text, start)


# How an article says where a market is: its country, people or cities, or the exchange's name.
_MARKET_WORDS = {
    "CA": r"Canad|Toronto|Vancouver|Montreal|Calgary|Ontario|British Columbia|Quebec|Alberta|TSX|CSE",
    "GB": r"U\.?K\.?\b|Britain|British|England|English|London|Scotland|AIM\b|LSE\b",
    "HK": r"Hong Kong|China|Chinese|HKEX",
    "CN": r"China|Chinese|Shanghai|Shenzhen|Beijing",
    "JP": r"Japan|Tokyo|Osaka",
    "DE": r"German|Frankfurt|Munich|Berlin|XETRA|DAX",
    "FR": r"France|French|Paris",
    "NL": r"Netherlands|Dutch|Amsterdam",
    "BE": r"Belgi|Brussels",
    "CH": r"Switzerland|Swiss|Zurich|Geneva",
    "AU": r"Australia|Sydney|Melbourne|Perth|ASX",
    "IN": r"India|Mumbai|Bengaluru|Bangalore|Delhi",
    "KR": r"Korea|Seoul",
    "TW": r"Taiwan|Taipei",
    "IT": r"Ital|Milan",
    "ES": r"Spain|Spanish|Madrid",
    "SE": r"Swed|Stockholm",
    "DK": r"Denmark|Danish|Copenhagen",
    "FI": r"Finland|Finnish|Helsinki",
    "NO": r"Norw|Oslo",
    "ZA": r"South Africa|Johannesburg",
    "BR": r"Brazil|São Paulo|Sao Paulo",
    "MX": r"Mexic",
    "SG": r"Singapore",
    "IL": r"Israel|Tel Aviv",
    "NZ": r"New Zealand|Auckland",
    "IE": r"Ireland|Irish|Dublin",
    "PT": r"Portugal|Portuguese|Lisbon",
}


@functools.lru_cache(maxsize=256)
def _speaks_of(text: str, venue_key: str) -> bool:
    """The article names the market's country, a city of it or the exchange."""
    venue = VENUES[venue_key]
    words = _MARKET_WORDS.get(venue.country)
    return bool(words and re.search(words, text)) or venue.label in text


def _sentence_start(text: str, at: int) -> bool:
    """The first word of a sentence, a line or a heading: its capital says nothing."""
    before = text[max(0, at - 40):at].rstrip(" \t*#>-")
    return at == 0 or not before and at <= 40 or bool(before) and before[-1] in ".!?:\n\"“”(•"


def _title_line(text: str, at: int) -> bool:
    """A headline in title case (`Phone Giant Xiaomi Delivers 28,000 EVs`): capitals there say nothing."""
    start = text.rfind("\n", max(0, at - 300), at) + 1 if at > 300 else text.rfind("\n", 0, at) + 1
    end = text.find("\n", at, at + 300)
    if end < 0:
        end = len(text) if len(text) - at <= 300 else -1
    if end < 0 or (start == 0 and at > 300):
        return False  # no line break within 300 characters: a paragraph, not a headline
    return _is_title(text[start:end])


@functools.lru_cache(maxsize=1024)
def _is_title(line: str) -> bool:
    if len(line) > 300:
        return False  # a paragraph, not a headline
    words = _WORDS.findall(line)
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _context(text: str, start: int, end: int, symbol: str) -> str | None:
    """What in the text says a name is the company here, or None."""
    after = text[end:end + 60]
    if _LEGAL.match(after):
        return "legal form"
    if _UNIT.match(after):
        return "a unit of the company follows"
    ticker = _TICKER_AFTER.match(after)
    if ticker and symbols.canonical(ticker.group(1)) == symbol:
        return "its ticker follows"
    if _SHARES_BEFORE.search(text[max(0, start - 20):start]):
        return "shares of"
    if _AFTER.match(after):
        return "a company verb or noun follows"
    return None


def _label(entry: NameEntry) -> str:
    return f"{VENUES[entry.venue_key].label}: {symbols.display(entry.symbol)}"


def listing_of(entry: NameEntry) -> CompanyListing:
    """The listing a name entry links to (its company's primary listing)."""
    venue = VENUES[entry.venue_key]
    return CompanyListing(symbols.display(entry.symbol), venue.label, venue.mic,
                          symbols.yahoo_symbol(entry.symbol, venue), entry.company)


def _note(finding: str, as_of: str | None) -> Evidence:
    return Evidence(SOURCE, as_of, finding)
