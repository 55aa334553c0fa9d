"""Companies the article names, tagged or not: which name hits are listed companies, and the tag to suggest.

Precision first (SPEC): a wrong link is worse than a missing one. A hit counts only written as a name
(capitalised) and standing alone (not inside a longer proper name such as "Unity China" or "Satoshi
Nakamoto"); a name that is also ordinary text (`Apple`, `Target`, `Shanghai`) counts only where the text says it
is the company: a legal form after it, a tag for it elsewhere in the article, "shares of", a company verb; two
companies with one name are linked only when a tag in the article picks one.
"""

from __future__ import annotations

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
_LEGAL = re.compile(r"^,?\s+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|plc|PLC|LLC|N\.V|S\.A|"
                    r"AG|SE|Group|Holdings)\b\.?")
_SHARES_BEFORE = re.compile(r"(?:shares|stock|stake|units|ADRs?) (?:of|in) $", re.IGNORECASE)
_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:shares|stock|stockholders|shareholders|investors|CEO|chief executive|CFO|"
                    r"announced|announces|reported|reports|said|says|unveiled|unveils|launched|launches|acquired|"
                    r"acquires|agreed|agrees|posted|posts|plans|signed|signs|partnered|partners with|rose|fell|"
                    r"gained|dropped|jumped|slid|declined|surged|beat|missed|raised|cut|filed|completed|"
                    r"expects|expected|revenue|earnings|profit|quarterly)\b")
_OPENERS = frozenset({"The", "A", "An", "At", "In", "On", "For", "And", "But", "Or", "With", "By", "From", "To",
                      "Of", "As", "Like", "While", "When", "After", "Before", "Both", "Including", "Also", "Then",
                      "Meanwhile", "However", "Rivals", "Shares", "Peers", "Unlike", "Than", "Via", "Through", "If",
                      "Partners", "Investors", "Analysts", "Watch", "Read", "Note", "Giants", "About", "Later",
                      "Yesterday", "Today", "Now", "Last", "Earlier", "Recently", "Separately", "Additionally",
                      "Furthermore", "Moreover", "Currently", "Similarly", "Overall", "Together", "Specifically",
                      "Instead", "Still", "Notably", "Previously", "Since", "Until", "Under", "Over", "During",
                      "Where", "Why", "How", "What", "Who", "Whether", "Although", "Because", "So", "Yet", "Here",
                      "There", "This", "That", "These", "Those", "Its", "Their", "Our", "Your", "My", "His", "Her"})
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
_CODES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
          "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|ON|BC|QC|AB|UK")
_PLACE_AFTER = re.compile(rf"^,\s+(?:(?:{_CODES})\b(?!\.?\s*[a-z])|(?:{_STATES}|{_COUNTRIES})\b(?![ \t]+[A-Z]))")
_PLACE_BEFORE = re.compile(rf"(?:{_STATES}|(?<![A-Za-z])(?:{_CODES})\.?),[ \t]+$")
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
    suggested: set[tuple[str, str]] = set()
    for hit in index.find(text):
        if any(s < hit.end and hit.start < e for s, e in (*inside, *taken)):
            continue
        term = text[hit.start:hit.end]
        if term in defined:  # (“CiTech” or the “Company”): the article's own short name for a company
            tag = defined[term]
            if tag is not None:
                found.append(CompanyMention((hit.start, hit.end), term, tag.listing, 0.85, False, (_note(
                    f"{term!r} is the article's short name for the company it tags as {tag.label}", as_of),)))
            continue
        linked = _untagged(text, hit, tagged, as_of)
        if linked is None:
            continue
        mention, key, with_tag = linked
        if not with_tag and key not in suggested:
            suggested.add(key)
            listing = mention.listing
            suggestion = ((hit.start, hit.end), f"{mention.text} ({listing.exchange}: {listing.symbol})")
            mention = CompanyMention(mention.span, mention.text, listing, mention.confidence, False,
                                     mention.evidence, suggestion)
        found.append(mention)
    return sorted(found, key=lambda c: c.span)


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


def _untagged(text: str, hit: NameHit, tagged: Sequence[_Tagged], as_of: str | None
              ) -> tuple[CompanyMention, tuple[str, str], bool] | None:
    """A hit outside any tag: linked when it is written as a name, stands alone and, if the name is also
    ordinary text or several companies', when the text says which company it is."""
    written = text[hit.start:hit.end]
    entries = _distinct(hit.entries)
    if not _written_as_name(written, entries) or not _stands_alone(text, hit.start, hit.end):
        return None
    for entry in entries:  # a company tagged elsewhere in the article: its tag's listing, no suggestion
        tag = next((t for t in tagged if t.key == (entry.symbol, entry.venue_key)
                    or _opens(written, t.company)), None)
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
    if plain and said is None:
        return None  # also ordinary text, and nothing says it is the company here
    confidence = 0.95 if said == "legal form" else 0.85 if not plain else 0.8
    finding = f"{written!r} names {entry.company} ({_label(entry)})"
    if said:
        finding += f"; the text says it is the company ({said})"
    listing = listing_of(entry)
    return (CompanyMention((hit.start, hit.end), written, listing, confidence, False, (_note(finding, as_of),)),
            (entry.symbol, entry.venue_key), False)


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
    if any(e.name.isupper() and len(e.name.replace(" ", "")) <= 5 for e in entries):
        return False
    words = written.split()
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words) and written[0].isupper()


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer proper name, a defined term, a dateline, a person or a product: no capitalised word
    right after (but a legal form or a bracket), none right before (but a sentence opener), no quote before."""
    after = text[end:end + 40]
    nxt = re.match(r"[ \t]+(?:&[ \t]+)?([^\W_][\w'’.-]*)", after)
    if nxt and nxt.group(1)[0].isupper() and not _LEGAL.match(after):
        return False
    if _PRODUCT_AFTER.match(after) or _PERSON_AFTER.match(after):
        return False
    if re.match(r"^[ \t]+(?:da|de|di|del|van|von|der|le|la|du)[ \t]+[A-Z]", after) or re.match(r"^-[^\W\d_]", after):
        return False  # `Leonardo da Vinci`, `Embry-Riddle`, `adidas-branded`: a longer name, or a brand in use
    if text[start:end].isupper() and re.match(r"^,\s", after):
        return False  # `WILMINGTON, NC`: a dateline
    if _PLACE_AFTER.match(after):
        return False  # `Wilmington, NC`, `Austin, Texas`: a place
    before = text[max(0, start - 40):start]
    if re.search(r"(?:^|\s)(?:da|de|di|van|von|der)[ \t]+$", before) or _PLACE_BEFORE.search(before):
        return False  # `da Vinci`, `California, Berkeley`: part of a person's or a place's name
    prev = re.search(r"([^\W_][\w'’.-]*)[ \t]+$", before)
    if prev and prev.group(1)[0].isupper() and prev.group(1) not in _OPENERS:
        return False
    if before.endswith(("@", "#", "/", ".", "-")):
        return False  # `@Apple`, `www.apple`, `YXT.com`: a handle or an address
    return not before.rstrip(" \t").endswith(('"', "“", "”", "'", "‘", "’", "("))


def _context(text: str, start: int, end: int, symbol: str) -> str | None:
    """What in the text says a name is the company here, or None."""
    after = text[end:end + 60]
    if _LEGAL.match(after):
        return "legal form"
    ticker = re.match(r"^\s*\((?:[A-Za-z .]+:\s*)?([A-Z][A-Z.\-]{0,6})\)", after)
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
