"""The company-name index (names.tsv, built by `scripts/build_refdata.py --names`) behind `NameIndex`: one
Hyperscan database of every name in the cases a text writes names in, compiled on first use and kept compiled in a
cache folder (`ENRICH_CACHE_DIR`, else `$XDG_CACHE_HOME/enrich` or `~/.cache/enrich`) for the next process."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import hyperscan

from enrich.domain.sources import SEC
from enrich.domain.symbols import canonical
from enrich.domain.untagged import NameEntry, NameHit, NameIndex
from enrich.errors import RefdataError
from enrich.refdata import snapshots as snap
from enrich.refdata.files import NAMES_COLUMNS, NAMES_FILE  # noqa: F401 - NAMES_FILE re-exported

_MATCHER_VERSION = "2"  # part of the cache key: bump when the patterns a table compiles change


@dataclass(frozen=True, slots=True)
class _Pattern:
    """What one compiled pattern stands for: the name as the text must write it (`key`; lower case and straight
    apostrophes when `folded`) and the index's entries for it."""

    key: str
    folded: bool
    entries: tuple[NameEntry, ...]


class _Matcher:
    """The compiled database and, per thread, its scratch space (Hyperscan's scratch is not shared)."""

    def __init__(self, database: hyperscan.Database, patterns: list[tuple[_Pattern, ...]], lengths: list[int]):
        self.database = database
        self.patterns = patterns
        self.lengths = lengths
        # Per pattern, its entries when a match is the name as written with nothing to check: one case-sensitive
        # name of ASCII letters and digits only (each character of the match is then the name's own).
        self.exact = [p[0].entries if len(p) == 1 and not p[0].folded and p[0].key.isascii() and p[0].key.isalnum()
                      else None for p in patterns]
        # Per pattern, whether a company of it is known by that name only until a date (Walgreens, delisted 2025).
        self.dated = [any(e.until for q in p for e in q.entries) for p in patterns]
        self._local = threading.local()

    def scratch(self) -> hyperscan.Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self.database)
        return scratch


class NameTable(NameIndex):
    """Every indexed name, found in a text by one Hyperscan pass."""

    def __init__(self, path: Path, sha256: str | None, as_of: str | None, cache_dir: Path | None = None):
        self._path = path
        self._sha256 = sha256
        self._as_of = as_of
        self._cache_dir = cache_dir if cache_dir is not None else _cache_dir()
        self._automata: _Matcher | None = None
        self._lock = threading.Lock()
        self.load_ms = 0.0
        self.names = 0
        self.compiled_from_cache = False
        self.unsearchable = 0  # names the scan can't find (see _build)

    def as_of(self) -> str | None:
        return self._as_of

    def find(self, text: str, date: str | None = None) -> list[NameHit]:
        """Every indexed name standing as whole words in `text`, the longest where two overlap, in text order;
        of companies known by it on `date` (YYYY-MM-DD; today when None).

        Names as their source writes them (FinanceDatabase, pytickersymbols, the curated short forms) are matched
        case-sensitively in the cases a text writes names in (see `_cased`); the SEC writes every name in capitals,
        so its names are matched in any case (`JPMORGAN CHASE` must find `JPMorgan Chase`, `BLACKROCK`
        `BlackRock`), and the linker checks the text's own capitals.

        The scan runs over a copy of the text in which every character but an ASCII letter or digit is a space
        (one byte per character, so offsets are the text's), and each name is a pattern with a space either side:
        only whole words match (`Intel` in `Intelligence` costs nothing). Each match is then checked against the
        text itself (a non-ASCII letter is a space in the copy).
        """
        matcher = self._built()
        patterns = matcher.patterns
        size = len(text)
        raw: list[tuple[int, int]] = []
        matcher.database.scan(_spaced(text), match_event_handler=_collect, context=raw, scratch=matcher.scratch())
        hits: list[tuple[int, int, bool, tuple[NameEntry, ...]]] = []
        lengths, exact, dated = matcher.lengths, matcher.exact, matcher.dated
        ascii_text = text.isascii()  # then the copy's spaces are the text's own non-alphanumerics
        for ident, end in raw:
            start, stop = end - 2 - lengths[ident], end - 2  # the padded copy's match, less its two spaces
            if not ascii_text and ((start and text[start - 1].isalnum()) or (stop < size and text[stop].isalnum())):
                continue  # not a whole word (`Intel` in `Intelligence`)
            entries = exact[ident]
            if entries is not None and not dated[ident]:
                hits.append((start, stop, False, entries))
                continue
            written = text[start:stop]
            for pattern in patterns[ident]:
                if (_fold(written) if pattern.folded else written) == pattern.key:
                    entries = _known_on(pattern.entries, date) if dated[ident] else pattern.entries
                    if entries:
                        hits.append((start, stop, pattern.folded, entries))
        hits.sort(key=_order)  # by start, the longest first, a name as its source writes it before a folded one
        found: list[NameHit] = []
        reach = -1
        for start, stop, _, entries in hits:
            if start >= reach:
                reach = stop
                found.append(NameHit(start, stop, entries))
        return found

    def _built(self) -> _Matcher:
        if self._automata is None:
            with self._lock:
                if self._automata is None:
                    self._automata = self._build()
        return self._automata

    def _build(self) -> _Matcher:
        started = time.perf_counter()
        try:
            rows = snap.read_rows(self._path, NAMES_COLUMNS, self._sha256)
        except (OSError, ValueError) as exc:
            raise RefdataError(f"reading {self._path.name}: {exc}") from exc
        cased: dict[str, list[NameEntry]] = {}
        folded: dict[str, list[NameEntry]] = {}
        for name, kind, company, symbol, venue, country, plain, zipf, source, size, until in rows:
            entry = NameEntry(name, kind, company, canonical(symbol), venue, country or None, float(zipf),
                              plain != "0", source, family=plain == "2", size=size, until=until)
            # A one-word SEC name that is also a word (`TARGET`) would hit every lower-case `target`: its usual
            # cases are enough; other all-capital SEC names may be written in any case (`BlackRock`).
            if name.isupper() and source == SEC and sum(c.isalpha() for c in name) > 3 and (
                    " " in name or plain == "0"):
                folded.setdefault(_fold(name), []).append(entry)
            else:
                for written in _cased(name):
                    cased.setdefault(written, []).append(entry)
        # One compiled pattern per distinct byte string: names that differ only in what the copy makes spaces
        # (non-ASCII letters, punctuation, `MACY’S` and `MACY'S`) share one.
        by_bytes: dict[tuple[bytes, bool], list[_Pattern]] = {}
        for keys, is_folded in ((cased, False), (folded, True)):
            for key, entries in keys.items():
                form = _spaced(key)
                if not form.strip():
                    self.unsearchable += 1  # no ASCII letter or digit (a name only in CJK): all blanks in the copy
                    continue
                by_bytes.setdefault((form, is_folded), []).append(_Pattern(key, is_folded, tuple(entries)))
        expressions = sorted(by_bytes)  # the same order in every process: the cache's key
        patterns = [tuple(by_bytes[e]) for e in expressions]
        database = self._compiled(expressions)
        self.names = len(cased) + len(folded)
        self.load_ms = (time.perf_counter() - started) * 1000
        return _Matcher(database, patterns, [len(form) - 2 for form, _ in expressions])

    def _compiled(self, expressions: list[tuple[bytes, bool]]) -> hyperscan.Database:
        """The database for these literals: from the cache folder when an earlier process compiled the same ones
        (a second or two saved), else compiled (and stored there when the folder can be written)."""
        digest = hashlib.sha256(f"{_MATCHER_VERSION} {hyperscan.__version__} {_host()}".encode())
        for form, is_folded in expressions:
            digest.update(b"\x01" if is_folded else b"\x00")
            digest.update(form)
        cached = self._cache_dir / f"names-{digest.hexdigest()[:32]}.hsdb" if self._cache_dir else None
        if cached is not None and cached.is_file():
            try:
                database = hyperscan.loadb(cached.read_bytes(), hyperscan.HS_MODE_BLOCK)
                hyperscan.Scratch(database)  # a database for another CPU fails here, not on the first scan
                self.compiled_from_cache = True
                return database
            except (OSError, hyperscan.error):
                pass  # unreadable, truncated or built for another platform: compile it again
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=[form for form, _ in expressions], ids=list(range(len(expressions))),
                         elements=len(expressions),
                         flags=[hyperscan.HS_FLAG_CASELESS if is_folded else 0 for _, is_folded in expressions],
                         literal=True)
        if cached is not None:
            _store(cached, hyperscan.dumpb(database))
        return database


@functools.lru_cache(maxsize=4096)
def _known_on(entries: tuple[NameEntry, ...], date: str | None) -> tuple[NameEntry, ...]:
    """The entries of companies known by their name on `date` (today when None): one gone or renamed before it
    is not what an article of that date names."""
    return tuple(e for e in entries if not e.until or (date is not None and date <= e.until))


def _order(hit: tuple[int, int, bool, tuple[NameEntry, ...]]) -> tuple[int, int, bool]:
    return hit[0], hit[0] - hit[1], hit[2]


def _collect(ident: int, start: int, stop: int, flags: int, raw: list[tuple[int, int]]) -> None:
    raw.append((ident, stop))  # a literal's start is its end less its length: asking Hyperscan for it costs


_SPACES = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


def _spaced(text: str) -> bytes:
    """The text as the scan reads it: a space, then one byte per character (an ASCII letter or digit as itself,
    anything else a space), then a space."""
    return b" " + text.encode("ascii", "replace").translate(_SPACES) + b" "


def _cache_dir() -> Path | None:
    configured = os.environ.get("ENRICH_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None  # empty: no cache
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "enrich"


KEEP = 4  # compiled databases kept in the cache folder: two versions sharing it (a rolling deploy) keep both


def _store(path: Path, data: bytes) -> None:
    """Write the compiled database atomically (a process reading it sees all of it or none), readable by other
    users of the folder, and keep only the KEEP newest; a folder that can't be written only costs the next process
    a compile."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".names-", delete=False) as out:
            temporary = out.name
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)  # a full disk: leave nothing half-written behind
        return
    try:
        kept = sorted(path.parent.glob("names-*.hsdb"), key=lambda f: f.stat().st_mtime, reverse=True)
    except OSError:
        return  # another process removed one meanwhile: the next store tidies up
    for other in kept[KEEP:]:
        if other != path:
            with contextlib.suppress(OSError):
                other.unlink()


@functools.lru_cache(maxsize=1)
def _host() -> str:
    """What a compiled database depends on besides its patterns: the machine and, on Linux, the CPU's features
    (Hyperscan compiles for the CPU it runs on; hosts sharing a cache folder keep one copy each)."""
    flags = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                flags = hashlib.sha256(line.split(":", 1)[-1].strip().encode()).hexdigest()[:12]
                break
    return f"{platform.machine()}-{flags}"


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
    """The bundled name index (its Hyperscan database is compiled, or read from the cache, on the first search)."""
    from enrich.refdata.index import DATA_DIR

    manifest = snap.read_manifest(DATA_DIR)
    entry = manifest.get(NAMES_FILE)
    if entry is None:
        raise RefdataError(f"{DATA_DIR}/{NAMES_FILE} is not in MANIFEST.json (build it: scripts/build_refdata.py "
                           f"--names)")
    return NameTable(DATA_DIR / NAMES_FILE, entry["sha256"], entry.get("as_of"))
