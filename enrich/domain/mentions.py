"""Extraction: every `VENUE: SYMBOL` tag in a text, with exact spans and the company it is attached to.

Every tag has a colon, so the scan walks the colons (one C-level pass) and looks a bounded distance
either side of each. No pattern here can backtrack over more than a few dozen characters, so the
whole pass is linear in the length of the text, whatever the text is built to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from enrich.domain.companies import company_before
from enrich.domain.model import Tag
from enrich.domain.venues import ALIASES, ALIASES_TEXT, MAX_ALIAS_WORDS, alias_key, bracket_only

OPENERS = "([（【"
CLOSERS = ")]）】"
_COLON = re.compile("[:：]")
_SPACES = " \t\u00a0\u202f\u2009\u3000"
_MARKUP = "*_"
# A symbol: a root of up to ten letters or digits, then at most one class or suffix part (`BRK.B`, `RCI-A`).
_SYMBOL = re.compile(r"[A-Za-z0-9]{1,10}(?:[.\-/][A-Za-z0-9]{1,4}){0,2}")
# `BRK -B`, `BRK - B`: a class written apart from its root.
_LOOSE_CLASS = re.compile(r" ?[-.] ?[A-Z](?=[)\]）】;,|])")
_VENUE_RUN = re.compile(r"[\w .&\-\u00a0\u202f]*")
_TO_SPACE = str.maketrans({c: " " for c in "\t\u00a0\u202f\u2009"})
# The last word of every alias, and every alias whole (`OTCMARKETS` is `OTC Markets` run together).
_LAST_WORDS = frozenset(alias_key(alias.split()[-1]) for alias in ALIASES_TEXT) | frozenset(ALIASES)
_ALIAS_WORDS = frozenset(alias.upper() for alias in ALIASES_TEXT if alias.isascii() and " " not in alias)
_CJK_ALIASES = tuple(sorted((a for a in ALIASES if not a.isascii()), key=len, reverse=True))
_URL_MAX = 400
_WINDOW = 48
MAX_SYMBOLS_PER_GROUP = 40


@dataclass(frozen=True, slots=True)
class _VenueHit:
    key: str
    start: int
    end: int


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _skip_back(text: str, pos: int, chars: str, limit: int = 4) -> int:
    """Move `pos` left over at most `limit` of `chars`."""
    floor = max(0, pos - limit)
    while pos > floor and text[pos - 1] in chars:
        pos -= 1
    return pos


def _skip_fwd(text: str, pos: int, chars: str, limit: int = 4) -> int:
    """Move `pos` right over at most `limit` of `chars`."""
    ceiling = min(len(text), pos + limit)
    while pos < ceiling and text[pos] in chars:
        pos += 1
    return pos


def _venue_ending_at(text: str, end: int) -> _VenueHit | None:
    """The venue label that ends at `end` (just before a colon or a list separator), longest first."""
    end = _skip_back(text, end, _SPACES + _MARKUP)
    if end == 0:
        return None
    if _is_cjk(text[end - 1]):
        for alias in _CJK_ALIASES:
            if text.endswith(alias, max(0, end - len(alias)), end):
                return _VenueHit(ALIASES[alias], end - len(alias), end)
        return None
    floor = max(0, end - _WINDOW)
    # The run of label characters that ends at `end`, found by matching the reversed window (linear, in C).
    run = _VENUE_RUN.match(text[floor:end][::-1]).end()
    if run == 0:
        return None
    segment = text[end - run:end].translate(_TO_SPACE)
    words = segment.split(" ")
    if alias_key(words[-1]) not in _LAST_WORDS:
        return None  # the quick exit for nearly every colon in a text
    # Try the longest run of whole words that is an alias.
    for count in range(min(len(words), MAX_ALIAS_WORDS + 1), 0, -1):
        candidate = " ".join(words[-count:]).strip(" ")
        key = ALIASES.get(alias_key(candidate))
        if key is None:
            continue
        start = end - len(candidate)
        before = text[start - 1] if start else ""
        if before and (before in "@." or before.isalnum()):  # ("" is in every string: a label may open the text)
            return None
        return _VenueHit(key, start, end)
    return None


def _venues_before_colon(text: str, colon: int) -> list[_VenueHit]:
    """All venues a label names before a colon: `LSE/NYSE`, `NYSE and Nasdaq Iceland`; leftmost first."""
    hit = _venue_ending_at(text, colon)
    if hit is None:
        return []
    hits = [hit]
    while len(hits) < 4:
        pos = _skip_back(text, hits[0].start, _SPACES)
        if pos and text[pos - 1] in "/,&":
            pos -= 1
        elif text.endswith(" and", 0, pos) or text.endswith(" And", 0, pos):
            pos -= 3
        else:
            break
        more = _venue_ending_at(text, pos)
        if more is None:
            break
        hits.insert(0, more)
    return hits


def _venue_label_at(text: str, pos: int) -> tuple[list[_VenueHit], int] | None:
    """A venue label and its colon starting at `pos`, for the next part of a list; (venues, colon)."""
    pos = _skip_fwd(text, pos, _SPACES + _MARKUP)
    match = _COLON.search(text, pos, min(len(text), pos + _WINDOW))
    if match is None:
        return None
    hits = _venues_before_colon(text, match.start())
    if hits and hits[0].start == pos:
        return hits, match.start()
    return None


@dataclass(slots=True)
class _Symbol:
    text: str
    start: int
    end: int


def _read_symbol(text: str, pos: int) -> tuple[_Symbol | None, int]:
    """One symbol at `pos`, unwrapping markdown emphasis and links; (symbol, position after it)."""
    pos = _skip_fwd(text, pos, _SPACES)
    pos = _skip_fwd(text, pos, _MARKUP)
    link = pos < len(text) and text[pos] == "["
    if link:
        pos += 1
    if pos < len(text) and text[pos] == "$":
        pos += 1
    match = _SYMBOL.match(text, pos)
    if match is None:
        return None, pos
    start, end = match.span()
    if end < len(text) and text[end].isascii() and text[end].isalnum():
        return None, end  # `NYSE:ABCDEFGHIJKLMN`: a word longer than any symbol, not a symbol cut short
    # `BRK B`: a lone class letter after a space, right before the tag closes; `BRK -B` likewise.
    if (end + 2 < len(text) and text[end] == " " and text[end + 1].isupper()
            and text[end + 2] in CLOSERS + ";,|"):
        end += 2
    else:
        loose = _LOOSE_CLASS.match(text, end, end + 4)
        if loose is not None:
            end = loose.end()
    symbol = _Symbol(text[start:end], start, end)
    after = _skip_fwd(text, end, _MARKUP)
    if link:
        if not text.startswith("](", after):
            return None, after
        close = text.find(")", after + 2, after + 2 + _URL_MAX)
        if close < 0 or any(c in _SPACES + "\n" for c in text[after + 2:close]):
            return None, after
        after = _skip_fwd(text, close + 1, _MARKUP)
    return symbol, after


def _plausible(symbol: str, venue_key: str, strict: bool) -> bool:
    """Whether a token can be a symbol; `strict` (running text) wants it written in capitals."""
    if not any(c.isalnum() for c in symbol):
        return False
    letters = [c for c in symbol if c.isalpha()]
    if strict and any(c.islower() for c in letters):
        return False
    if strict and not letters and venue_key in {"NASDAQ", "NYSE", "NYSE_AMERICAN", "OTC"}:
        return False
    return True


@dataclass(slots=True)
class _Part:
    venues: list[_VenueHit]
    colon: int
    symbols: list[_Symbol]


def _parse_group(text: str, venues: list[_VenueHit], colon: int) -> tuple[list[_Part], int, int]:
    """Read `VENUE: A, B; VENUE2: C | VENUE3: D` from the first colon; (parts, end, closer index or -1)."""
    parts = [_Part(venues, colon, [])]
    pos = colon + 1
    count = 0
    while count < MAX_SYMBOLS_PER_GROUP:
        symbol, after = _read_symbol(text, pos)
        if symbol is None:
            break
        label_next = _skip_fwd(text, after, _SPACES)
        if label_next < len(text) and text[label_next] in ":：":
            break  # `WKN: A40XB1`, `10:30`: a label or a time, not a symbol
        if symbol.text.upper() in _ALIAS_WORDS and text.startswith(" ", after) and after + 1 < len(text) and (
                text[after + 1].isalnum()):
            break  # `OTCID PETVW`: another venue's label written without its colon
        parts[-1].symbols.append(symbol)
        count += 1
        pos = _skip_fwd(text, after, _SPACES)
        if pos >= len(text):
            break
        ch = text[pos]
        if ch in CLOSERS:
            return parts, parts[-1].symbols[-1].end, pos
        if ch in ",;|&/":
            nxt = pos + 1
        elif text.startswith(("and ", "And "), pos):
            nxt = pos + 4
        else:
            break
        label = _venue_label_at(text, nxt)
        if label is not None:
            parts.append(_Part(label[0], label[1], []))
            pos = label[1] + 1
        else:
            pos = nxt
    while parts and not parts[-1].symbols:
        parts.pop()
    end = parts[-1].symbols[-1].end if parts else colon + 1
    return parts, end, -1


def _runs_on(text: str, pos: int) -> bool:
    """True when a word follows `pos` on the same line: `NYSE: IBM rose` reads as a headline or prose."""
    pos = _skip_fwd(text, pos, _SPACES + _MARKUP)
    return pos < len(text) and text[pos].isalpha()


def _strict_ok(text: str, parts: list[_Part], end: int) -> list[_Part]:
    """Running-text rules: capitals only, no word-like venue labels, no headline such as `TSX: Canadian stocks`.

    Outside brackets `NYSE:IBM` counts, and so does `NYSE: IBM` when the symbol ends the phrase; `the OTC: A
    Vision for …` and `NYSE: IBM rose` read as headlines and do not.
    """
    first = parts[0]
    if any(bracket_only(text[v.start:v.end]) for p in parts for v in p.venues):
        return []
    spaced = text[first.colon + 1:first.colon + 2] in _SPACES
    if spaced and _runs_on(text, end):
        return []
    kept: list[_Part] = []
    for part in parts:
        symbols = [s for s in part.symbols if _plausible(s.text, part.venues[0].key, strict=True)
                   and (len(s.text) > 1 or not spaced)]
        if not symbols:
            break
        kept.append(_Part(part.venues, part.colon, symbols))
    return kept


def _venue_reading(venue_key: str, symbol: str) -> str:
    """Settle a label that two venues share: `TSE: CURA` is Toronto, `TSE: 7203` is Tokyo (digits)."""
    if venue_key == "TSE" and not any(c.isdigit() for c in symbol):
        return "TSX"
    return venue_key


def extract(text: str, limit: int | None = None) -> list[Tag]:
    """Every tag in `text`, in order, one per (venue, symbol); at most `limit` of them."""
    tags: list[Tag] = []
    consumed = 0
    group_id = 0
    last_close = -1
    last_company: tuple[str, tuple[int, int]] | None = None
    for colon_match in _COLON.finditer(text):
        colon = colon_match.start()
        if colon < consumed or text.startswith("//", colon + 1):
            continue
        # A label list never reaches back into the last group (`(NASDAQ:IBM/OTCID, NYSE: IBM)`: OTCID is its text).
        venues = [v for v in _venues_before_colon(text, colon) if v.start >= consumed]
        if not venues:
            continue
        parts, end, closer = _parse_group(text, venues, colon)
        if not parts:
            continue
        lead = _skip_back(text, venues[0].start, _SPACES + _MARKUP)
        opener = lead - 1 if lead and text[lead - 1] in OPENERS else None
        bracketed = opener is not None and closer >= 0
        if not bracketed:
            parts = _strict_ok(text, parts, end)
            if not parts:
                continue
            end = parts[-1].symbols[-1].end
        else:
            parts = [p for p in parts if all(_plausible(s.text, p.venues[0].key, False) for s in p.symbols)]
            if not parts:
                continue
        company = None
        if opener is not None:
            if last_close >= 0 and not text[last_close + 1:opener].strip(_SPACES):
                company = last_company  # `SolarBank (NASDAQ: SUUN) (FSE: GY2)`: the same company
            else:
                company = company_before(text, opener, after=consumed)
        group_id += 1
        for part in parts:
            for venue in part.venues:
                others = tuple(v.key for v in part.venues if v is not venue)
                for index, symbol in enumerate(part.symbols):
                    span = (venue.start, symbol.end) if index == 0 else (symbol.start, symbol.end)
                    tags.append(Tag(
                        span=span, venue_key=_venue_reading(venue.key, symbol.text),
                        venue_text=text[venue.start:venue.end],
                        venue_span=(venue.start, venue.end), symbol=symbol.text,
                        symbol_span=(symbol.start, symbol.end), group=group_id,
                        company=company[0] if company else None, company_span=company[1] if company else None,
                        bracketed=bracketed, co_venues=others,
                    ))
        consumed = end
        if bracketed:
            last_close, last_company = closer, company
        if limit is not None and len(tags) >= limit:
            return tags[:limit]
    return tags
