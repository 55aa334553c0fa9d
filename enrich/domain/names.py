"""Company names folded to comparable tokens, so `Apple Inc.` and `APPLE INC` match."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DOTTED = re.compile(r"(?<!\w)((?:[A-Za-z]\.){2,})")  # `S.A.`, `N.V.`, `U.S.`

# Legal forms and filler that say nothing about which company it is.
_NOISE = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "plc", "llc", "lp", "llp",
    "sa", "ag", "nv", "se", "spa", "ab", "asa", "as", "oyj", "bv", "kgaa", "gmbh", "pty", "pte", "bhd", "tbk",
    "the", "holdings", "holding", "group", "de", "new", "del", "md", "sab", "cv", "adr", "ads", "reit",
    "class", "ordinary", "shares", "common", "stock", "sponsored", "unsponsored",
})


def ascii_folded(text: str) -> str:
    """The text in ASCII, accents dropped (`Nestlé` as `Nestle`); characters with no ASCII form left out."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def name_tokens(text: str) -> tuple[str, ...]:
    """The distinctive lower-case words of a company name, in order."""
    folded = ascii_folded(text) or text
    folded = folded.replace("&", " and ").replace("'", "").replace("\u2019", "")
    folded = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), folded)
    words = [w.casefold() for w in _WORD.findall(folded)]
    kept = tuple(w for w in words if w not in _NOISE)
    return kept or tuple(words)


def says_nothing(text: str) -> bool:
    """A name that is only a legal form or filler (`PLC`, `Inc.`): it can't tell one company from another."""
    words = [w.casefold() for w in _WORD.findall(text)]
    return all(w in _NOISE for w in words)


def names_match(article_name: str, listed_name: str) -> float:
    """How well the article's name fits a listed name: 1.0 same, 0.0 unrelated."""
    a, b = name_tokens(article_name), name_tokens(listed_name)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    joined_a, joined_b = "".join(a), "".join(b)
    if joined_a == joined_b:
        return 1.0
    # `Meta` for `Meta Platforms`, `IonQ` for `IonQ Inc`: the article's words open the listed name; and
    # `InvestorNewsBreaks – ProPhase Labs` for `ProPhase Labs`: the listed name closes a longer phrase.
    for k in range(min(len(a), len(b)), 0, -1):
        if a[-k:] == b[:k]:
            if k == len(b) or k == len(a):
                return 0.9 if k >= 2 or len(b[0]) >= 4 else 0.7
            return 0.8 if k >= 2 or len(b[0]) >= 4 else 0.5
    if joined_b.startswith(joined_a) and len(joined_a) >= 4:
        return 0.8
    common = set(a) & set(b)
    if not common:
        return 0.0
    return 0.6 * len(common) / max(len(set(a)), len(set(b)))
