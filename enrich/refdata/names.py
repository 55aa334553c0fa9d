"""The company-name index (names.tsv, built by `scripts/build_refdata.py --names`) behind `NameIndex`: an
Aho-Corasick automaton (pyahocorasick) over every name in the cases a text writes names in, built on first use."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import ahocorasick

from enrich.domain.sources import SEC
from enrich.domain.symbols import canonical
from enrich.domain.untagged import NameEntry, NameHit, NameIndex
from enrich.errors import RefdataError
from enrich.refdata import snapshots as snap
from enrich.refdata.files import NAMES_COLUMNS, NAMES_FILE  # noqa: F401 - NAMES_FILE re-exported


class NameTable(NameIndex):
    """Every indexed name, found in a text by one pass of an automaton."""

    def __init__(self, path: Path, sha256: str | None, as_of: str | None):
        self._path = path
        self._sha256 = sha256
        self._as_of = as_of
        self._automata: tuple[ahocorasick.Automaton, ahocorasick.Automaton] | None = None
        self._lock = threading.Lock()
        self.load_ms = 0.0
        self.names = 0

    def as_of(self) -> str | None:
        return self._as_of

    def find(self, text: str) -> Iterator[NameHit]:
        """Every indexed name standing as whole words in `text`, the longest where two overlap, in text order.

        Two automata: names as their source writes them (FinanceDatabase, pytickersymbols, the curated short
        forms) are searched case-sensitively in the cases a text writes names in (see `_cased`); the SEC writes
        every name in capitals, so its names are searched in the lower-cased text (`JPMORGAN CHASE` must find
        `JPMorgan Chase`, `BLACKROCK` `BlackRock`), and the linker checks the text's own capitals.
        """
        cased, folded_names = self._built()
        hits: list[tuple[int, int, tuple[NameEntry, ...]]] = []
        _whole_words(text, cased.iter(text), hits)
        folded = _fold(text)
        _whole_words(folded, folded_names.iter(folded), hits)
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        reach = -1
        for start, stop, entries in hits:
            if start >= reach:
                reach = stop
                yield NameHit(start, stop, entries)

    def _built(self) -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
        if self._automata is None:
            with self._lock:
                if self._automata is None:
                    self._automata = self._build()
        return self._automata

    def _build(self) -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
        started = time.perf_counter()
        try:
            rows = snap.read_rows(self._path, NAMES_COLUMNS, self._sha256)
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {self._path.name}: {exc}") from exc
        cased: dict[str, list[NameEntry]] = {}
        folded: dict[str, list[NameEntry]] = {}
        for name, kind, company, symbol, venue, country, plain, zipf, source in rows:
            entry = NameEntry(name, kind, company, canonical(symbol), venue, country or None, float(zipf),
                              plain != "0", source, family=plain == "2")
            # A one-word SEC name that is also a word (`TARGET`) would hit every lower-case `target`: its usual
            # cases are enough; other all-capital SEC names may be written in any case (`BlackRock`).
            if name.isupper() and source == SEC and sum(c.isalpha() for c in name) > 3 and (
                    " " in name or plain == "0"):
                folded.setdefault(_fold(name), []).append(entry)
            else:
                for written in _cased(name):
                    cased.setdefault(written, []).append(entry)
        automata = []
        for keys in (cased, folded):
            automaton = ahocorasick.Automaton()
            for key, entries in keys.items():
                automaton.add_word(key, (len(key), tuple(entries)))
            automaton.make_automaton()
            automata.append(automaton)
        self.names = len(cased) + len(folded)
        self.load_ms = (time.perf_counter() - started) * 1000
        return automata[0], automata[1]


def _whole_words(text: str, found: Iterator[tuple[int, tuple[int, tuple[NameEntry, ...]]]],
                 hits: list[tuple[int, int, tuple[NameEntry, ...]]]) -> None:
    """Keep the matches that are whole words: no letter or digit right before or after (an automaton finds
    `Intel` in `Intelligence` too)."""
    size = len(text)
    for end, (length, entries) in found:
        start, stop = end - length + 1, end + 1
        if (start and text[start - 1].isalnum()) or (stop < size and text[stop].isalnum()):
            continue
        hits.append((start, stop, entries))


def _fold(text: str) -> str:
    """Lower case with curly apostrophes straight (`Macy’s` as the SEC's `MACY'S`), each character in its place."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c if len(low := c.lower()) != 1 else low for c in text)
    return folded.replace("’", "'")


_CONNECTORS = frozenset({"of", "and", "de", "the", "for", "la", "du", "des", "und", "y", "et", "e", "da", "do"})


def _cased(name: str) -> set[str]:
    """The ways a text writes a name as a name: as the index writes it, in title case (`MICROSOFT` →
    `Microsoft`), a one-word name in capitals. Matching is case-sensitive, so a lower-case `apple` or `target`
    never even hits."""
    words = name.split()
    title = " ".join(w.lower() if i and w.lower() in _CONNECTORS else w[:1].upper() + w[1:].lower()
                     for i, w in enumerate(words))
    letters = sum(c.isalpha() for c in name)
    if letters <= 3:
        return {name.upper()}  # `IBM`, `BP`: an acronym is written in capitals (`Su`, `Cl` would hit in words)
    variants = {name, title, name.upper()} if len(words) == 1 else {name, title}  # one-word names in capitals too
    if name.islower() and letters < 5:
        variants.discard(name)  # `ams`, `init` as written would hit inside `programs`, `initial`
    return variants


@functools.lru_cache(maxsize=1)
def default_names() -> NameTable:
    """The bundled name index (the automaton is built on the first search)."""
    from enrich.refdata.index import DATA_DIR

    manifest = snap.read_manifest(DATA_DIR)
    entry = manifest.get(NAMES_FILE)
    if entry is None:
        raise RefdataError(f"{DATA_DIR}/{NAMES_FILE} is not in MANIFEST.json (build it: scripts/build_refdata.py "
                           f"--names)")
    return NameTable(DATA_DIR / NAMES_FILE, entry["sha256"], entry.get("as_of"))
