"""Fixes: each corrected mention carries the edit for its span, and applying them gives the corrected text."""

import pytest

from enrich.domain import fixes
from enrich.domain.mentions import extract
from enrich.domain.model import Mention
from enrich.domain.venues import VENUES
from enrich.domain.verdicts import judge
from tests.domain.refs import REF


def fixed(text):
    mentions = [Mention(t, judge(t, REF), VENUES[t.venue_key].label, VENUES[t.venue_key].mic) for t in extract(text)]
    fixes.plan(text, mentions)
    return fixes.apply(text, mentions), mentions


@pytest.mark.parametrize("text, expected", [
    ("Xiaomi (NASDAQ: XIACY), Huawei", "Xiaomi (OTC: XIACY), Huawei"),
    ("meta (NASDAQ: Meta) and", "meta (NASDAQ: META) and"),
    ("Apple Inc. (NASDAQ: APPL) rose", "Apple Inc. (NASDAQ: AAPL) rose"),
    ("IonQ (Nasdaq:IONQ) and", "IonQ (NYSE:IONQ) and"),
    ("Microsoft (Nasdaq: MSFT) is right", "Microsoft (Nasdaq: MSFT) is right"),
    ("Alphabet (NASDAQ: GOOGL, GOOG)", "Alphabet (NASDAQ: GOOGL, GOOG)"),
    # One symbol of a shared label moves: the tag is written out again, nothing else moves.
    ("Them (NASDAQ: GOOGL, XIACY)", "Them (NASDAQ: GOOGL; OTC: XIACY)"),
    ("Them (NASDAQ: XIACY, GOOGL)", "Them (OTC: XIACY; NASDAQ: GOOGL)"),
    # Every symbol of a shared label moves the same way: only the label changes.
    ("Both (NASDAQ: IONQ, QBTS) rose", "Both (NYSE: IONQ, QBTS) rose"),
    ("Two (NYSE: BRKB; TSX: SHOP)", "Two (NYSE: BRK.B; TSX: SHOP)"),
])
def test_fixed_text(text, expected):
    assert fixed(text)[0] == expected


def test_each_corrected_mention_carries_its_edit():
    text = "Xiaomi (NASDAQ: XIACY) and meta (NASDAQ: Meta)"
    _, mentions = fixed(text)
    edits = [(text[m.fix[0][0]:m.fix[0][1]], m.fix[1]) for m in mentions]
    assert edits == [("NASDAQ: XIACY", "OTC: XIACY"), ("Meta", "META")]


def test_valid_mentions_carry_no_edit():
    _, mentions = fixed("Microsoft (Nasdaq: MSFT)")
    assert [m.fix for m in mentions] == [None]
