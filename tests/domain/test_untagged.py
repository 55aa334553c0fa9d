"""Companies without tags: which name hits become links, on real sentences, against a small table of names."""

from __future__ import annotations

import dataclasses
import re

import pytest

from enrich.domain.mentions import extract
from enrich.domain.model import Mention, Resolved, Verdict
from enrich.domain.untagged import NameEntry, NameHit, link
from enrich.domain.venues import VENUES

# Rows as the bundled names.tsv has them (name, company, symbol, venue, plain).
ROWS = [
    ("Baidu", "Baidu, Inc.", "BIDU", "NASDAQ", False),
    ("Tencent", "Tencent Holdings Ltd.", "0700", "HKEX", False),
    ("China Mobile", "China Mobile Limited", "0941", "HKEX", False),
    ("Xunfei", "iFLYTEK Co.,Ltd", "002230", "SZSE", False),
    ("Microsoft", "Microsoft Corporation", "MSFT", "NASDAQ", False),
    ("Apple", "Apple Inc.", "AAPL", "NASDAQ", True),
    ("Target", "Target Corporation", "TGT", "NYSE", True),
    ("Unity", "Unity Software Inc.", "U", "NYSE", True),
    ("Nakamoto", "Nakamoto Inc.", "NAKA", "NASDAQ", False),
    ("CiTech", "CITECH Co., Ltd.", "004920", "KRX", False),
    ("Wilmington", "Wilmington plc", "WIL", "LSE", False),
    ("NFT", "NFT Ltd", "MI", "NYSE", False),
    ("Facebook", "Meta Platforms, Inc.", "META", "NASDAQ", True),
    ("Mullen", "Mullen Group Ltd.", "MTL", "TSX", False),
    ("Mullen", "Mullen Automotive Inc.", "MULN", "NASDAQ", False),
    ("Nasdaq", "Nasdaq, Inc.", "NDAQ", "NASDAQ", False),
    ("Amazon", "Amazon.com, Inc.", "AMZN", "NASDAQ", True),
    ("Taiwan Semiconductor Manufacturing", "Taiwan Semiconductor Manufacturing Co Ltd", "TSM", "NYSE", False),
    ("TSMC", "Taiwan Semiconductor Manufacturing Co Ltd", "TSM", "NYSE", False),
    ("Starburst", "Starburst Holdings Limited", "40D", "SGX", False),
    ("Daytona", "Daytona Corporation", "7228", "TSE", False),
    ("Callan", "Callan JMB Inc.", "CJMB", "NASDAQ", False),
    ("Peabody", "Peabody Energy Corp", "BTU", "NYSE", False),
]


class TableNames:
    """A NameIndex over ROWS: whole-word, case-blind search, the longest hit where two overlap."""

    def __init__(self, rows=ROWS):
        self.entries: dict[str, list[NameEntry]] = {}
        for name, company, symbol, venue, plain in rows:
            self.entries.setdefault(name.lower(), []).append(
                NameEntry(name, "alias", company, symbol, venue, None, 0.0, plain, "test"))

    def find(self, text, date=None):
        hits = []
        for key, entries in self.entries.items():
            for match in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", text, re.IGNORECASE):
                hits.append(NameHit(match.start(), match.end(), tuple(entries)))
        return sorted(hits, key=lambda h: h.start)

    def as_of(self):
        return "2026-08-16"


def judged(text):
    """The text's tags, each resolved to its claimed listing (the verdicts are not under test here)."""
    mentions = []
    for tag in extract(text):
        venue = VENUES[tag.venue_key]
        resolved = Resolved(tag.symbol.upper(), venue.label, venue.mic, tag.symbol.upper(), tag.company, None, None)
        mentions.append(Mention(tag, Verdict("valid", resolved, (), 0.95), venue.label, venue.mic))
    return mentions


def linked(text):
    return [(c.text, c.listing.symbol, c.tagged, c.suggestion[1] if c.suggestion else None)
            for c in link(text, judged(text), TableNames())]


@pytest.mark.parametrize("text, expected", [
    # The seed article (../shared/examples/seed-article.txt): untagged listed companies, each suggested once.
    ("a fact underscored by the fortunes of Chinese tech giants Baidu and Tencent. In February, it was reported "
     "that Tencent intended to end it. Baidu’s metaverse ambitions suffered a similar fate",
     [("Baidu", "BIDU", False, "Baidu (NASDAQ: BIDU)"), ("Tencent", "0700", False, "Tencent (HKEX: 0700)"),
      ("Tencent", "0700", False, None), ("Baidu", "BIDU", False, None)]),
    ("China Mobile establishes metaverse alliance", [("China Mobile", "0941", False, "China Mobile (HKEX: 0941)")]),
    # A tagged company is `tagged` with its tag's listing; named again later, it links there without a suggestion.
    ("meta (NASDAQ: Meta) and Microsoft (Nasdaq: MSFT) has struggled. Later Microsoft said more.",
     [("meta", "META", True, None), ("Microsoft", "MSFT", True, None), ("Microsoft", "MSFT", False, None)]),
    # Huawei is private, Unity China a joint venture (not Unity Software), "Satoshi Nakamoto" a person.
    ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei, Unity China, Xunfei.",
     [("Xiaomi", "XIACY", True, None), ("Xunfei", "002230", False, "Xunfei (SZSE: 002230)")]),
    ("originally conceived by Satoshi Nakamoto.", []),
    # Ordinary words stay words; the company only where the text says so.
    ("An apple a day. Apple pie recipes from our Target audience study.", []),
    ("Apple Inc. announced a buyback.", [("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)")]),
    ("Investors bought shares of Apple after the event.", [("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)")]),
    ("Target reported higher quarterly sales.", [("Target", "TGT", False, "Target (NYSE: TGT)")]),
    # A term the article defines for the company it tags, a dateline, a term written in capitals, a platform.
    ("Critical Infrastructure Technologies Ltd. (CSE: CTTT) (“CiTech” or the “Company”) said CiTech’s drones fly.",
     [("Critical Infrastructure Technologies Ltd.", "CTTT", True, None), ("CiTech", "CTTT", False, None),
      ("CiTech", "CTTT", False, None)]),
    ("Critical Infrastructure Technologies Ltd. (CSE: CTTT) (“ CiTech ”) said CiTech’s drones fly.",
     [("Critical Infrastructure Technologies Ltd.", "CTTT", True, None), ("CiTech", "CTTT", False, None),
      ("CiTech", "CTTT", False, None)]),
    ("WILMINGTON, NC, May 23, 2024 /24-7PressRelease/ -- Today, students marched.", []),
    ("The expansion to Wilmington, NC, was exciting.", []),
    ("an NFT based on the ERC-721 standard", []),
    ("Visit their website or Facebook page for more.", []),
    # Two companies answer to one name and nothing in the article picks one: no link.
    ("In addition to this order, Mullen is in discussions with agencies.", []),
    # `Nasdaq` is the exchange unless the text says it is Nasdaq, Inc.
    ("The company regained compliance with Nasdaq listing rules.", []),
])
def test_links(text, expected):
    assert linked(text) == expected


@pytest.mark.parametrize("text, expected", [
    # A word that is also a company's name counts among companies the article lists (figures between allowed).
    ("Magnificent 7 stocks (Apple, Microsoft, Amazon) led.",
     [("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)"), ("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)"),
      ("Amazon", "AMZN", False, "Amazon (NASDAQ: AMZN)")]),
    ("Weights: Microsoft at 4.5%, Apple at 3.1% and Target at 2%.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)"), ("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)"),
      ("Target", "TGT", False, "Target (NYSE: TGT)")]),
    # A list spreads along its items (the last Amazon is 30+ characters from Microsoft), but not across a gap wider
    # than a list has (Target, after the aside).
    ("Microsoft, Apple (a long aside about nothing at all), and Target all fell.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)"), ("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)")]),
    ("Microsoft, Apple, Amazon, Apple, Amazon, Apple, Amazon and Target rose.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)"), ("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)"),
      ("Amazon", "AMZN", False, "Amazon (NASDAQ: AMZN)"), ("Apple", "AAPL", False, None),
      ("Amazon", "AMZN", False, None), ("Apple", "AAPL", False, None), ("Amazon", "AMZN", False, None),
      ("Target", "TGT", False, "Target (NYSE: TGT)")]),
    # Other items the index doesn't know (a private company, a brand) may stand between, up to three.
    ("SAFE counts Microsoft, Fidelity, T-Mobile, Apple, and eBay among its customers.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)"), ("Apple", "AAPL", False, "Apple (NASDAQ: AAPL)")]),
    ("Brands like Microsoft, Fidelity, T-Mobile, Chobani, Patagonia, and Target.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)")]),
    # ... but not a longer name joined by `&`, nor across a sentence.
    ("Sponsors: Microsoft, Florida Power & Target.", [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)")]),
    ("It chose Microsoft. Fidelity, Target and others.", [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)")]),
    # ... but a list of words far from any company the article names stays words.
    ("Microsoft said so. " + "Nothing else happened here at all, truly. " * 3 + "Apple, Target and Amazon.",
     [("Microsoft", "MSFT", False, "Microsoft (NASDAQ: MSFT)")]),
    # ... and where the article names the company as such elsewhere.
    ("Target Corporation posted results. Later, Target said stores did well.",
     [("Target", "TGT", False, "Target (NYSE: TGT)"), ("Target", "TGT", False, None)]),
    # A short name in brackets right after the company's name is that company.
    ("Taiwan Semiconductor Manufacturing Company (TSMC) will invest.",
     [("Taiwan Semiconductor Manufacturing", "TSM", False, "Taiwan Semiconductor Manufacturing (NYSE: TSM)"),
      ("TSMC", "TSM", False, None)]),
    # A unit of a company (`Amazon Web Services`) names it.
    ("powered by Amazon Web Services in the cloud", [("Amazon", "AMZN", False, "Amazon (NASDAQ: AMZN)")]),
    # A small foreign company's one-word name in a story that never mentions its market, an event, an LLC, a town.
    ("Jack Hammer, Starburst and Cleopatra are classic slot games.", []),
    ("captured his second Daytona 500 win", []),
    ("Callan Family Office and Callan LLC are independent advisers.", []),
    ("an Erickson Senior Living community in Peabody, Mass., from one of Bill's friends", []),
])
def test_evidence_beyond_the_name(text, expected):
    assert linked(text) == expected


def test_a_tag_elsewhere_picks_one_of_two_companies_with_one_name():
    text = "Mullen Automotive (NASDAQ: MULN) grew. Mullen is partnering with EnviroCharge."
    assert linked(text) == [("Mullen Automotive", "MULN", True, None), ("Mullen", "MULN", False, None)]


def test_every_link_says_why():
    companies = link("Chinese tech giants Baidu and Tencent.", [], TableNames())
    assert all(c.evidence and c.evidence[0].source == "name-index" for c in companies)
    assert companies[0].to_dict()["suggestion"] == {"span": [20, 25], "text": "Baidu (NASDAQ: BIDU)"}


@pytest.mark.parametrize(("before", "said"), [
    ("The fund holds shares of ", "shares of"),
    ("The fund holds a STAKE IN ", "shares of"),
    ("The fund holds a stake ın ", "shares of"),  # the regex's IGNORECASE takes `ı` and `İ` for an `i`
    ("The fund holds a stake İN ", "shares of"),
    ("The fund holds shares of \n", "shares of"),  # `$` before a final newline
    ("The fund holds shares of\n", None),
    ("The fund holds shares  of ", None),
    ("The fund holds shares often ", None),
])
def test_shares_of_before_a_name(before, said):
    from enrich.domain import namecontext

    text = before + "Apple reported."
    start = len(before)
    assert (namecontext.context(text, start, start + 5, "AAPL") == "shares of") is (said is not None)


def test_a_large_foreign_company_is_named_in_any_story_a_small_one_only_where_its_market_is():
    # FinanceDatabase's market-cap class (names.tsv `size`): Adidas is known far beyond Frankfurt; a one-word name of
    # a small company abroad (Starburst, SGX) is a word in a story that never mentions its market.
    index = TableNames([("Adidas", "adidas AG", "ADS", "XETRA", False),
                        ("Starburst", "Starburst Holdings Limited", "40D", "SGX", False)])
    index.entries["adidas"] = [dataclasses.replace(index.entries["adidas"][0], size="large")]
    text = "Brands like Nike, Starburst and Adidas grew in Ohio."
    assert [(c.text, c.listing.symbol) for c in link(text, judged(text), index)] == [("Adidas", "ADS")]
    text = "Brands like Starburst grew in Singapore."
    assert [(c.text, c.listing.symbol) for c in link(text, judged(text), index)] == [("Starburst", "40D")]
