"""Bundled reference data (SEC, CUSIP tickers, pytickersymbols, ISO 10383) behind the `Reference` protocol."""

from enrich.refdata.index import RefdataError, ReferenceIndex, default_index, load_index

__all__ = ["RefdataError", "ReferenceIndex", "default_index", "load_index"]
