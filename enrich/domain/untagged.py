"""Companies the article names without a tag: which name hits are listed companies, and the tag to suggest.

Precision first (SPEC): a wrong link is worse than a missing one. A hit counts only capitalised as a name and
standing alone (not inside a longer proper name such as "Unity China"); a name that is also an ordinary word
counts only where the text says it is the company (a legal form after it, a tag for it elsewhere, "shares of",
a company verb); two companies with one name are linked only when the article's other evidence picks one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from enrich.domain import symbols
from enrich.domain.model import CompanyListing, CompanyMention, Evidence, Mention
from enrich.domain.venues import VENUES

SOURCE = "name-index"
COMMON_ZIPF = 3.0  # wordfreq Zipf frequency from which a one-word name is also an ordinary word


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One way to write one listed company's name, with the company's primary listing."""

    name: str  # as written in text: "Baidu", "China Mobile", "Meta Platforms"
    kind: str  # "full" (the legal name), "short" (legal form and filler removed), "alias" (a curated short form)
    company: str  # the listed name: "Baidu, Inc."
    symbol: str  # canonical
    venue_key: str
    country: str | None
    zipf: float  # how common the name is as a word (wordfreq), 0.0 for names that are no word
    source: str


@dataclass(frozen=True, slots=True)
class NameHit:
    """A name found in the text: its span and every entry written that way."""

    start: int
    end: int
    entries: tuple[NameEntry, ...]


class NameIndex:
    """Finds the index's names in a text (an adapter in enrich/refdata implements it)."""

    def find(self, text: str) -> Iterable[NameHit]:
        """Every occurrence of an indexed name, longest first where two overlap."""
        raise NotImplementedError

    def as_of(self) -> str | None:
        """The as-of date of the index."""
        raise NotImplementedError


def link(text: str, mentions: Sequence[Mention], index: NameIndex) -> list[CompanyMention]:
    """Every listed company the text names, tagged or not, in text order; a suggestion on the first untagged
    mention of a company with no tag anywhere in the article."""
    del text, mentions, index
    return []


def listing_of(entry: NameEntry) -> CompanyListing:
    """The listing a name entry links to."""
    venue = VENUES[entry.venue_key]
    return CompanyListing(symbols.display(entry.symbol), venue.label, venue.mic,
                          symbols.yahoo_symbol(entry.symbol, venue), entry.company)


def evidence(finding: str, as_of: str | None) -> Evidence:
    return Evidence(SOURCE, as_of, finding)


_WORD = re.compile(r"\w+")
