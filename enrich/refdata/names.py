"""The company-name index (names.tsv) behind `NameIndex`: an Aho-Corasick automaton over every name, built on
first use."""

from __future__ import annotations

import functools

from enrich.domain.untagged import NameIndex


@functools.lru_cache(maxsize=1)
def default_names() -> NameIndex:
    """The bundled name index, loaded once per process on first use."""
    return NameIndex()
