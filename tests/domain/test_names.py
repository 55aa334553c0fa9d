"""Company names: the article's way of writing a name against the listed one."""

import pytest

from enrich.domain.names import name_tokens, names_match


@pytest.mark.parametrize("article, listed, low, high", [
    ("Apple Inc.", "Apple Inc.", 1.0, 1.0),
    ("Microsoft", "MICROSOFT CORP", 1.0, 1.0),
    ("meta", "Meta Platforms, Inc.", 0.9, 0.9),
    ("IonQ, Inc.", "IonQ, Inc.", 1.0, 1.0),
    ("D-Wave Quantum Inc.", "D-Wave Quantum Inc.", 1.0, 1.0),
    ("InvestorNewsBreaks – ProPhase Labs Inc.", "ProPhase Labs, Inc.", 0.9, 0.9),
    ("Placement Reaffirms Investor Confidence In Safety Shot Inc.", "Safety Shot, Inc.", 0.9, 0.9),
    ("Nestlé", "NESTLE SA", 1.0, 1.0),
    ("IP Strategy", "INTERNATIONAL PAPER CO /NEW/", 0.0, 0.0),
    ("Xiaomi", "Apple Inc.", 0.0, 0.0),
    ("Coursera", "Coursera, Inc.", 1.0, 1.0),
    ("Johnson & Johnson", "JOHNSON & JOHNSON", 1.0, 1.0),
])
def test_names_match(article, listed, low, high):
    assert low <= names_match(article, listed) <= high


def test_tokens_drop_legal_forms_and_accents():
    assert name_tokens("Nestlé S.A.") == ("nestle",)
    assert name_tokens("The Coca-Cola Company") == ("coca", "cola")
