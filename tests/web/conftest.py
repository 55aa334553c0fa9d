"""An app per test, offline unless a test says otherwise; its test client speaks JSON."""

from __future__ import annotations

import dataclasses

import pytest

from config.settings import Settings
from enrich.web import create_app

ARTICLE = ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei. meta (NASDAQ: Meta) and Microsoft "
           "(Nasdaq: MSFT) struggled; Shopify (TSX: SHOP) and Vodafone (LSE: VOD) rose.")
OFFLINE = Settings(market_data="offline")


def make_app(**changes):
    """An app with the offline settings changed as given."""
    return create_app(dataclasses.replace(OFFLINE, **changes))


@pytest.fixture(scope="module")
def app():
    """One offline app for a module's read-only tests (the index loads once)."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def by_symbol(document):
    """Mentions keyed by the symbol as written."""
    return {m["claimed"]["symbol"]: m for m in document["mentions"]}
