"""The company name an article writes right before a bracketed tag: `Apple Inc. (NASDAQ: AAPL)`."""

from __future__ import annotations

import re

_SPACES = " \t\u00a0\u202f\u2009"
_WINDOW = 160
_MAX_WORDS = 8
_TO_SPACE = str.maketrans({c: " " for c in "\t\r\n\u00a0\u202f\u2009\u3000"})
# Words that join a name's parts: `Johnson & Johnson`, `Bank of America`, `Banco de Chile`.
_CONNECTORS = frozenset({"&", "and", "of", "de", "du", "des", "la", "le", "el", "the", "for", "von", "van", "der",
                         "y", "e", "di", "del", "da", "+", "in"})
# Legal forms that may follow a comma inside a name: `Tesla, Inc.`
_LEGAL = frozenset({"inc", "inc.", "ltd", "ltd.", "llc", "l.l.c.", "corp", "corp.", "co", "co.", "plc", "lp", "l.p.",
                    "limited", "s.a.", "n.v.", "ag", "se", "sa", "nv", "ab", "asa", "oyj", "incorporated", "ulc"})
# Capitalised words that open a sentence or a clause and are not part of a name.
_LEADING_NOISE = frozenset({
    "about", "at", "and", "by", "for", "from", "in", "on", "of", "with", "as", "to", "today", "yesterday",
    "both", "including", "like", "while", "when", "where", "also", "meanwhile", "but", "or", "since", "after",
    "before", "recently", "the", "this", "that", "these", "those", "its", "their", "our", "a", "an", "shares",
    "stock", "investors", "firms", "companies", "such", "see", "via", "per", "than", "peers", "rival", "rivals",
    "partner", "partners", "customer", "customers", "if", "then", "so", "because", "although", "though", "whereas",
    "announced", "said", "says", "says:", "read", "more", "news", "update", "breaking", "watch", "note", "ceo",
    "cfo", "chairman", "president", "founder", "subsidiary", "parent", "here", "there", "are", "is", "was",
    "were", "has", "have", "had",
})
_LOWER_STOP = frozenset({"the", "a", "an", "of", "and", "or", "in", "on", "at", "by", "to", "for", "with", "as",
                         "from", "shares", "stock", "stocks", "company", "said", "says", "its", "their", "is", "are",
                         "was", "were", "be", "been", "inc", "ltd", "corp", "including", "like", "such", "than",
                         "both", "also", "here", "there", "listed", "traded", "trading", "symbol", "ticker"})
_SENTENCE_END = ".!?:;"
# `N.V.`, `U.S.`, `J.`, and the short forms that end in a dot without ending a sentence.
_ABBREVIATION = re.compile(r"^(?:[A-Z]\.)+$")
_SHORT_FORMS = frozenset({"co.", "corp.", "inc.", "ltd.", "bros.", "mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.",
                          "no.", "intl.", "int'l.", "mfg.", "cos.", "assn.", "hldgs.", "grp.", "plc.", "mt.", "ft."})
_CUT = re.compile(r"[)\]）】–—]")


def _is_name_word(token: str) -> bool:
    first = token[0]
    if first.isupper() or first.isdigit():
        return True
    if first in "'\"“‘" and len(token) > 1 and token[1].isupper():
        return True
    return first.islower() and any(c.isupper() for c in token[1:])  # `iLearningEngines`, `eBay`


def _ends_sentence(token: str) -> bool:
    """A token that closes the previous sentence (`said.`), unlike an abbreviation (`Inc.`, `N.V.`)."""
    if not token or token[-1] not in _SENTENCE_END:
        return False
    if token[-1] == "." and (token.casefold() in _LEGAL or token.casefold() in _SHORT_FORMS
                             or _ABBREVIATION.match(token)):
        return False
    return True


def _cjk_name(text: str, end: int) -> tuple[str, tuple[int, int]] | None:
    start = end
    floor = max(0, end - 16)
    while start > floor and ("\u3400" <= text[start - 1] <= "\u9fff" or text[start - 1] in "·"):
        start -= 1
    return (text[start:end], (start, end)) if start < end else None


def _markdown_link_text(text: str, end: int) -> tuple[int, int] | None:
    """For `[Name](url)` ending at `end`, the span of `Name`."""
    if end == 0 or text[end - 1] != ")":
        return None
    opening = text.rfind("](", max(0, end - 420), end)
    if opening < 0 or any(c.isspace() for c in text[opening + 2:end - 1]):
        return None
    start = text.rfind("[", max(0, opening - 120), opening)
    if start < 0 or "\n" in text[start:opening]:
        return None
    return start + 1, opening


def _tokens(text: str, floor: int, end: int, cut: bool) -> list[tuple[int, int, str]]:
    """Whitespace-separated tokens of text[floor:end] with their spans, last ones only (at most a name's worth)."""
    parts = text[floor:end].translate(_TO_SPACE).split(" ")
    out: list[tuple[int, int, str]] = []
    stop = end
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        start = stop - len(part)
        if part and not (cut and index == 0):
            out.append((start, stop, part))
            if len(out) > _MAX_WORDS + 2:
                break
        stop = start - 1
    out.reverse()
    return out


def _paragraph_floor(text: str, end: int) -> tuple[int, bool]:
    """Where a name before `end` may start: it wraps onto a new line, but not past a blank line or a heading."""
    floor = max(0, end - _WINDOW)
    newline = text.rfind("\n", floor, end)
    if newline < 0:
        return floor, floor > 0
    before = text.rfind("\n", max(0, newline - 200), newline)
    if before < 0 and newline > 200:
        return newline + 1, False  # a previous line too long to read cheaply: treat the newline as a boundary
    previous = text[before + 1:newline].strip()
    if not previous or previous.startswith(("#", ">", "|", "* ", "- ")):
        return newline + 1, False
    return floor, floor > 0


def company_before(text: str, opener: int, after: int = 0) -> tuple[str, tuple[int, int]] | None:
    """The name written right before the tag's opening bracket, with its span; None when there is none. It starts at
    `after` or later: a name never takes in the text of the tag before it (`NYSE:IBM and Acme Corp (NYSE: ACME)`)."""
    end = opener
    while end > 0 and text[end - 1] in _SPACES:
        end -= 1
    while end > 0 and text[end - 1] in "*_":
        end -= 1
    if end and text[end - 1] in "’'" and end > 1 and text[end - 2] in "sS":
        end -= 1  # `Nightfood Holdings’ (OTCQB: NGTF)`
    if end <= after:
        return None
    link = _markdown_link_text(text, end)
    if link is not None and link[0] >= after:
        start, stop = link
        name = text[start:stop].strip("*_ ")
        return (name, (text.index(name, start), text.index(name, start) + len(name))) if name else None
    if "\u3400" <= text[end - 1] <= "\u9fff":
        return _cjk_name(text, end)
    floor, cut = _paragraph_floor(text, end)
    if floor < after:
        floor, cut = after, False  # `)Acme (`: the words from the previous tag's end, its closer cut off below
    tokens = _tokens(text, floor, end, cut=cut)
    chosen: list[tuple[int, int, str]] = []
    for start, stop, token in reversed(tokens):
        if not chosen and token.endswith(("’s", "'s")):
            token, stop = token[:-2], stop - 2  # `Zynex Inc.’s (NASDAQ: ZYXI)`
        word = token.strip("*_")
        if not word or (chosen and _ends_sentence(word)):
            break
        cut = [m.end() for m in _CUT.finditer(word)]
        if cut:
            # `WIRE)–The Cannabist`: keep what follows the last bracket or dash inside the token, then stop.
            rest = word[cut[-1]:]
            if rest and _is_name_word(rest):
                chosen.append((stop - len(rest), stop, rest))
            break
        if word.endswith(",") and not (chosen and chosen[-1][2].strip("*_").casefold() in _LEGAL):
            break
        if word.startswith(("(", "[")) or word.isdigit():
            break  # a bracket, or a year in a dateline (`May 3, 2024 - ZenaTech`)
        if not (_is_name_word(word) or word.casefold() in _CONNECTORS):
            break
        chosen.append((start, stop, token))
        if len(chosen) >= _MAX_WORDS:
            break
    chosen.reverse()
    while chosen and (chosen[0][2].strip("*_\"“‘'").casefold() in _LEADING_NOISE
                      or chosen[0][2].casefold() in _CONNECTORS):
        chosen.pop(0)
    while chosen and chosen[-1][2].casefold() in _CONNECTORS:
        chosen.pop()
    if not chosen and tokens:
        start, stop, token = tokens[-1]
        word = token.strip("*_")
        if word.isalpha() and word.casefold() not in _LOWER_STOP and not _ends_sentence(word):
            chosen = [(start, stop, token)]
    if not chosen:
        return None
    half = len(chosen) // 2
    if len(chosen) % 2 == 0 and half and [t[2] for t in chosen[:half]] == [t[2] for t in chosen[half:]]:
        chosen = chosen[half:]  # a heading that repeats the name on the next line
    start, stop = chosen[0][0], chosen[-1][1]
    while start < stop and text[start] in "*_\"“‘'":
        start += 1
    while stop > start and text[stop - 1] in "*_,\"”’'":
        stop -= 1
    return (text[start:stop], (start, stop)) if start < stop else None
