"""names.tsv: every listed company's names as articles write them, with its primary listing (build time only).

Read from the bundled reference files (the SEC list's exchange listings, FinanceDatabase's per-venue tables,
pytickersymbols) plus the hand-curated short forms in scripts/names_curated.tsv. Legal forms are removed with
cleanco; whether a name is also an ordinary word comes from the Webster's 2nd word list (english-words) and
wordfreq, or a place from ISO 3166 (pycountry), so the linker asks for evidence before it links `Apple` or
`Target`. Needs requirements-dev.txt.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pycountry
from cleanco import basename
from english_words import get_english_words_set
from wordfreq import zipf_frequency

from enrich.domain.names import ascii_folded, name_tokens
from enrich.domain.sources import NAME_INDEX
from enrich.domain.symbols import canonical
from enrich.domain.venues import VENUES
from enrich.refdata.files import NAMES_COLUMNS, NAMES_FILE, NONUS_COLUMNS, NONUS_DIR
from enrich.refdata.refresh import write_tsv
from enrich.refdata.snapshots import SEC_COLUMNS, SEC_FILE, read_rows

CURATED = Path(__file__).resolve().parent / "names_curated.tsv"
PRIVATE = Path(__file__).resolve().parent / "names_private.txt"
# Venues whose tables also hold other markets' companies as secondary lines (`WALGREENS BOOTS AL.DL-,01` on
# XETRA, Brazilian BDRs, Mexican SIC lines): a row there names its company only when the company is local.
LOCAL_ONLY = {"XETRA": "Germany", "BMV": "Mexico", "B3": "Brazil"}
CROSS_LISTING_VENUES = {"BIT"}  # where a US company's line is a cross-listing (Borsa Italiana's `Amazon.com`)
SEC_VENUES = {"Nasdaq": "NASDAQ", "NYSE": "NYSE"}  # exchange listings only: OTC names are left out (precision)
# Where a company with several listings is primary: a US exchange first (SPEC: Baidu → NASDAQ BIDU), then home
# markets roughly by size. German regional floors, BSE (NSE's twin) and secondary markets are left out.
VENUE_ORDER = ("NASDAQ", "NYSE", "NYSE_AMERICAN", "HKEX", "TSE", "LSE", "XETRA", "EURONEXT_PARIS",
               "EURONEXT_AMSTERDAM", "SIX", "TSX", "ASX", "SSE", "SZSE", "KRX", "NSE", "TWSE", "BIT", "BME", "STO",
               "CPH", "HEL", "EURONEXT_OSLO", "EURONEXT_BRUSSELS", "EURONEXT_DUBLIN", "EURONEXT_LISBON", "JSE",
               "B3", "BMV", "SGX", "TASE", "NZX", "KOSDAQ", "TSXV", "CSE", "CBOE_CA", "AQSE")
# Words that say what kind of company, not which: stripped from the end of a name for its short form.
_TRAILING = {"holdings", "holding", "group", "corporation", "corp", "company", "co", "incorporated", "inc",
             "limited", "ltd", "plc", "sa", "ag", "nv", "se", "bhd", "tbk", "llc", "lp", "the", "and", "&",
             "aktiengesellschaft", "berhad", "s.a", "n.v", "a/s", "asa", "ab", "oyj", "spa", "s.p.a"}
# Words so common in company names that a name made only of them and dictionary words names no one company.
GENERIC = {"american", "global", "first", "national", "united", "general", "international", "energy", "resources",
           "capital", "financial", "bank", "industries", "technologies", "technology", "systems", "partners",
           "trust", "realty", "income", "properties", "solutions", "services", "health", "medical", "gold",
           "silver", "mining", "metals", "minerals", "digital", "data", "software", "network", "power", "water",
           "china", "india", "japan", "new", "north", "south", "east", "west", "pacific", "atlantic"}
_SPAC = re.compile(r"\b(?:Acquisition|Merger|SPAC|Blank Check)\b", re.IGNORECASE)
_SEC_TAIL = re.compile(r"\s*/[A-Z]{2,3}/?\s*$|/\s*$|\s*/ADR\s*$", re.IGNORECASE)
_SHARE_CLASS = re.compile(r"\s+Class [A-Z]$")  # FinanceDatabase's `Tyson Foods, Inc. Class A`
# A legal form the SEC spells in spaced capitals (`NOVO NORDISK A S`, `NATUZZI S P A`), which cleanco doesn't know.
_SPACED_FORM = re.compile(r"\s+(?:A S|S P A|N V|S A|A G|P L C)$")
_SPACE = re.compile(r"\s+")


def clean(name: str) -> str:
    """The name without its legal form (cleanco), the SEC's `/DE/` tails and a leading `The`."""
    name = _SPACED_FORM.sub("", _SHARE_CLASS.sub("", _SEC_TAIL.sub("", name).strip()))
    name = _SPACE.sub(" ", basename(name)).strip(" ,.-")
    if name.lower().startswith("the "):
        name = name[4:]
    return name


def short(name: str) -> str:
    """`Tencent Holdings` → `Tencent`: trailing words that say what kind of company removed."""
    words = name.split()
    while len(words) > 1 and words[-1].lower().strip(".,") in _TRAILING:
        words.pop()
    return " ".join(words).strip(" ,.-&")


def _usable(name: str) -> bool:
    letters = sum(c.isalpha() for c in name)
    return letters >= 3 or (letters >= 2 and name.isupper() and len(name) >= 2)


def _sec(sec_rows: Iterable[list[str]]) -> Iterable[tuple[str, str, str, str, str]]:
    for _cik, ticker, exchange, name in sec_rows:
        if exchange in SEC_VENUES and name:
            yield name, canonical(ticker), SEC_VENUES[exchange], "", "sec-company-tickers"  # no country given


def _abroad(data: Path, sizes: dict[tuple[str, str], str]) -> Iterable[tuple[str, str, str, str, str]]:
    """FinanceDatabase's listings on the non-US venues; their market-cap classes into `sizes`, by (symbol, venue)."""
    for venue in VENUE_ORDER:
        path = data / NONUS_DIR / f"{venue}.tsv"
        if not path.is_file():
            continue
        local = LOCAL_ONLY.get(venue)
        for symbol, name, _isin, _ccy, country, delisted, size in read_rows(path, NONUS_COLUMNS):
            if size:
                sizes[(symbol, venue)] = size  # also for a row left out here: another source may name that listing
            if name and delisted == "0" and (local is None or country == local):
                yield name, symbol, venue, country, "financedatabase"


def _words(name: str) -> str:
    """A company name's words run together, its legal form, share class and `and`s left out: `Becton, Dickinson
    and Company` and `BECTON DICKINSON & CO`, `Tyson Foods, Inc. Class A` and `TYSON FOODS INC` alike."""
    return "".join(w for w in name_tokens(clean(name)) if w != "and")


HISTORY = "history"  # the dated SEC snapshots bundled with the references (history/sec-YYYY-MM-DD.tsv)


def _former(data: Path, sec_rows: list[list[str]], current: Iterable[str], as_of: str
            ) -> Iterable[tuple[str, str, str, str]]:
    """Companies the dated SEC snapshots list on a US exchange under a name the current list no longer has (a
    company since taken private, merged or delisted: Walgreens, Hologic; or renamed: Outbrain), each with its
    listing then and the last day it is known to have traded so (`until`): the listing history's last sighting of
    that symbol on that exchange between the snapshot that last shows the name and the next one (or `as_of`, the
    current list's date), else the last snapshot's date for a company gone, the next snapshot's for one renamed."""
    snapshots = sorted(data.glob(f"{HISTORY}/sec-*.tsv"))
    dates = [path.stem.removeprefix("sec-") for path in snapshots] + [as_of]
    now = set(current)  # the current list's names, folded (clean)
    last: dict[str, tuple[int, str, str, str, str]] = {}  # folded name -> (snapshot index, name, symbol, venue, cik)
    ciks_now = {cik for cik, _, exchange, _ in sec_rows if exchange in SEC_VENUES}
    for index, path in enumerate(snapshots):
        for cik, ticker, exchange, name in read_rows(path, SEC_COLUMNS):
            key = clean(name).casefold() if exchange in SEC_VENUES and name else ""
            if not _usable(key) or key in now:
                continue
            symbol, venue = canonical(ticker), SEC_VENUES[exchange]
            seen = last.get(key)
            if seen is None or seen[0] < index or (len(symbol), symbol) < (len(seen[2]), seen[2]):
                last[key] = (index, name, symbol, venue, cik)  # the newest snapshot; in one, the common stock
    seen_until = _last_seen(data)
    for index, name, symbol, venue, cik in last.values():
        shown, following = dates[index], dates[index + 1]
        sighted = seen_until.get((symbol, venue), "")
        until = sighted if shown <= sighted <= following else following if cik in ciks_now else shown
        yield name, symbol, venue, until


def _last_seen(data: Path) -> dict[tuple[str, str], str]:
    """The last day the US listing history saw each (symbol, venue)."""
    seen: dict[tuple[str, str], str] = {}
    for symbol, venue, _first, last_seen, _kind, _source in read_rows(data / "us_listings.tsv", (
            "symbol", "venue", "first_seen", "last_seen", "kind", "source")):
        key = (canonical(symbol), venue)
        seen[key] = max(seen.get(key, ""), last_seen)
    return seen


_LETTERS_MIN = 8  # names matched by their letters alone are this long at least: two companies' letters differ


def _us_listing(listings: dict[str, tuple[str, str]], company: str) -> tuple[str, str] | None:
    """The US exchange listing (symbol, venue) of a company by its name (see `_us_listings`), or None."""
    words = _words(company)
    return listings.get(words) or (listings.get("".join(sorted(words))) if len(words) >= _LETTERS_MIN else None)


def _us_listings(sec: Iterable[tuple[str, str, str, str, str]]) -> dict[str, tuple[str, str]]:
    """The SEC list's exchange listings by their company name's words run together (`chrobinsonworldwide`): the
    common stock where a company has several lines."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, symbol, venue, _, _ in sec:
        if words := _words(name):
            found.setdefault(words, []).append((symbol, venue))
    # And by its letters in order (`dhnoorrt`), for names the SEC writes surname first (`HORTON D R INC` for D.R.
    # Horton, `HUNT J B TRANSPORT SERVICES INC`): only for names of eight letters or more, where two companies'
    # letters don't coincide.
    anagrams: dict[str, set[str]] = {}
    for key in found:
        if len(key) >= _LETTERS_MIN:
            anagrams.setdefault("".join(sorted(key)), set()).add(key)
    for letters, keys in anagrams.items():
        if len(keys) == 1 and letters not in found:  # one company's letters only
            found[letters] = found[next(iter(keys))]
    return {key: min(lines, key=lambda line: (len(line[0]), "-" in line[0], line[0])) for key, lines in found.items()}


def _pyts(data: Path) -> Iterable[tuple[str, str, str, str, str]]:
    columns = ("symbol", "venue_key", "family_only", "name", "isins", "currency", "yahoo", "google")
    for symbol, venue, _family, name, *_ in read_rows(data / "pytickersymbols.tsv", columns):
        if name and venue in VENUE_ORDER:
            yield name, canonical(symbol), venue, "", "pytickersymbols"


# FinanceDatabase's country names, to prefer a company's home market among its non-US listings.
_ISO = {"United States": "US", "Canada": "CA", "United Kingdom": "GB", "Hong Kong": "HK", "China": "CN",
        "Japan": "JP", "Germany": "DE", "France": "FR", "Netherlands": "NL", "Switzerland": "CH", "Australia": "AU",
        "India": "IN", "South Korea": "KR", "Taiwan": "TW", "Italy": "IT", "Spain": "ES", "Sweden": "SE",
        "Denmark": "DK", "Finland": "FI", "Norway": "NO", "Belgium": "BE", "Ireland": "IE", "Portugal": "PT",
        "South Africa": "ZA", "Brazil": "BR", "Mexico": "MX", "Singapore": "SG", "Israel": "IL", "New Zealand": "NZ"}


def _folded(name: str) -> str:
    """Lower case, accents dropped (`Île-de-France` as `ile-de-france`)."""
    return ascii_folded(name).casefold()


# Countries and their subdivisions (ISO 3166-1 and 3166-2, pycountry): states, provinces, prefectures, counties.
PLACES = frozenset(_folded(place.name) for place in (*pycountry.countries, *pycountry.subdivisions)) | frozenset(
    _folded(country.common_name) for country in pycountry.countries if hasattr(country, "common_name"))


def _secondary(row: tuple[str, str, str, str, str]) -> bool:
    """The LSE's `0XXX` lines trade foreign companies (`0IVW` for Glencore's other line, `0NL1` for PVA TePla):
    a company's home listing comes first."""
    return row[2] == "LSE" and row[1][:1] == "0" and len(row[1]) == 4


class _Plainness:
    """Whether a name is also ordinary text: a dictionary word or proper noun, a very common word, or only
    generic words."""

    def __init__(self) -> None:
        web2 = get_english_words_set(["web2"], lower=False, alpha=True)
        self.lower = {w for w in web2 if w.islower()}
        self.proper = {w.lower() for w in web2 if w[:1].isupper()}

    def __call__(self, name: str) -> tuple[bool, float]:
        words = [w for w in re.findall(r"[^\W_]+", name.lower())]
        if not words:
            return True, 0.0
        if len(words) == 1:
            word = words[0]
            zipf = zipf_frequency(word, "en")
            return word in self.lower or word in self.proper or zipf >= 4.0, zipf
        return all(w in self.lower or w in GENERIC for w in words), 0.0


def _first_words(rows: dict[tuple[str, str, str], tuple[str, ...]], plainness: _Plainness,
                 countries: set[str], only: set[tuple[str, str, str]] | None = None) -> None:
    """Add the first word of a company's name where people write it alone and it can mean no other company
    (`JPMorgan` for JPMorgan Chase, `Deckers` for Deckers Outdoor, `Geely` for Geely Automobile): no dictionary
    word or place, not common, four letters or more, and no other company's name starts with it. And mark a
    one-word name that opens other companies' names (`Mitsubishi`) as needing evidence: it is a family's. `only`:
    the rows to do it for (all of them when None); every row counts as another company's name."""
    openers: dict[str, set[tuple[str, str]]] = {}
    for (folded, symbol, venue) in rows:
        openers.setdefault(folded.split()[0], set()).add((symbol, venue))
    for key, row in list(rows.items()):
        if only is not None and key not in only:
            continue
        folded, symbol, venue = key
        words = row[0].split()
        if len(words) == 1:
            if len(openers.get(folded, ())) > 1:
                rows[key] = (*row[:6], "2", *row[7:])  # a family's name: only a legal form or ticker settles it
            continue
        first = words[0]
        if len(first) < 4 or not first.isalpha() or openers.get(first.casefold()) != {(symbol, venue)}:
            continue
        plain, zipf = plainness(first)
        if plain or zipf >= 3.5 or first.casefold() in GENERIC or (first.casefold(), symbol, venue) in rows:
            continue
        if _folded(first) in countries:
            continue  # `Namibia` for Namibia Critical Metals, `Karnataka` for Karnataka Bank: a place first
        if _SPAC.search(row[2]):
            continue  # a blank-cheque company's first word is a brand-new coinage (`Launchpad Cadenza Acquisition`)
        rows[(first.casefold(), symbol, venue)] = (first, "first", *row[2:6], "0", f"{zipf:.2f}", *row[8:])


def build(data: Path, entry: Callable[..., dict[str, object]], command: str) -> dict[str, dict[str, object]]:
    """Write data/names.tsv from the bundled tables and the curated short forms; its MANIFEST entry."""
    plainness = _Plainness()
    rank = {v: i for i, v in enumerate(VENUE_ORDER)}
    groups: dict[str, list[tuple[str, str, str, str, str]]] = {}
    sizes: dict[tuple[str, str], str] = {}
    sec_rows = read_rows(data / SEC_FILE, SEC_COLUMNS)
    sec = list(_sec(sec_rows))
    for row in (*sec, *_abroad(data, sizes), *_pyts(data)):
        key = clean(row[0]).casefold()
        if _usable(key):
            groups.setdefault(key, []).append(row)
    us_listings = _us_listings(sec)
    rows: dict[tuple[str, str, str], tuple[str, ...]] = {}  # (name folded, symbol, venue) -> row: one per company
    for members in groups.values():
        country = next((m[3] for m in members if m[3]), "")
        home = _ISO.get(country)
        best = sorted(members, key=lambda r: (
            _secondary(r), not VENUES[r[2]].is_us, VENUES[r[2]].country != home, rank[r[2]], len(r[1]),
            "-" in r[1], r[1]))[0]  # the company's common stock: JPM before its notes' AMJB, BAC before BAC-PB
        company, symbol, venue, _, source = best
        if country == "United States" and (_secondary(best) or venue in CROSS_LISTING_VENUES):
            # A US company's line on the LSE's international order book or Borsa Italiana (`C.H. Robinson
            # Worldwide` 0HQW, `Amazon.com` on BIT) under a name the SEC spells otherwise: its US listing, found by
            # the name's words (`C H ROBINSON WORLDWIDE INC`); none (an OTC or delisted company) leaves it out.
            found = _us_listing(us_listings, company)
            if found is None:
                continue
            symbol, venue = found
        full = clean(company)
        brief = short(full)
        # One name per company: the short form (`Tencent` also finds `Tencent Holdings`: a trailing "Holdings" or
        # "Group" counts as the name's own legal form when the text is linked); the full one if that is unusable.
        for name, kind in ((brief, "short"),) if _usable(brief) and brief != full else ((full, "full"),):
            key = (name.casefold(), symbol, venue)
            if _usable(name) and not name.replace(" ", "").isdigit() and key not in rows:
                plain, zipf = plainness(name)
                plain = plain or _folded(name) in PLACES  # `Lancashire`, `Cadiz`, `Antofagasta`: a place first
                rows[key] = (name, kind, company, symbol, venue, country, "1" if plain else "0", f"{zipf:.2f}",
                             source)
    for key, row in rows.items():  # a size for a home listing only: Amazon.com on Borsa Italiana is a US company's
        home = _ISO.get(row[5]) == VENUES[row[4]].country
        rows[key] = (*row, sizes.get((row[3], row[4]), "") if home else "", "")
    countries = {row[5].casefold() for row in rows.values() if row[5]} | {c.casefold() for c in _ISO} | PLACES
    _first_words(rows, plainness, countries)
    # Names companies listed in the US were known by until a date (an article of 2024 names Walgreens), none a
    # company of today's index also goes by; then their first words as for any company (today's names left as
    # they are: a company gone doesn't make today's one-word name a family's).
    names_now = {key[0] for key in rows}
    former: set[tuple[str, str, str]] = set()
    sec_as_of = json.loads((data / "MANIFEST.json").read_text(encoding="utf-8"))["files"][SEC_FILE]["as_of"]
    for company, symbol, venue, until in _former(data, sec_rows, groups, sec_as_of):
        full = clean(company)
        brief = short(full)
        for name, kind in ((brief, "short"),) if _usable(brief) and brief != full else ((full, "full"),):
            key = (name.casefold(), symbol, venue)
            if _usable(name) and not name.replace(" ", "").isdigit() and name.casefold() not in names_now:
                plain, zipf = plainness(name)
                plain = plain or _folded(name) in PLACES
                rows[key] = (name, kind, company, symbol, venue, "", "1" if plain else "0", f"{zipf:.2f}",
                             "sec-company-tickers", "", until)
                former.add(key)
    _first_words(rows, plainness, countries, only=former)
    private = {line.strip().casefold() for line in PRIVATE.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    for key in [k for k in rows if k[0] in private]:
        del rows[key]
    with open(CURATED, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            _, zipf = plainness(row["name"])
            symbol = canonical(row["symbol"])
            # The curated row decides: its listing, its country and whether the name is distinctive.
            for key in [k for k in rows if k[0] == row["name"].casefold()]:
                del rows[key]
            rows[(row["name"].casefold(), symbol, row["venue"])] = (
                row["name"], "alias", row["company"], symbol, row["venue"], row["country"],
                "0" if row["distinct"] == "1" else "1", f"{zipf:.2f}", "curated", "", "")
    ordered = sorted(rows.values())
    path = data / NAMES_FILE
    write_tsv(path, NAMES_COLUMNS, ordered)
    source = {"built_from": [SEC_FILE, f"{HISTORY}/sec-*.tsv", "us_listings.tsv", f"{NONUS_DIR}/*.tsv",
                             "pytickersymbols.tsv", "scripts/names_curated.tsv"],
              "tools": "cleanco 2.3 (legal forms), english-words 2.0.2 web2 and wordfreq 3.1.1 (ordinary words), "
                       "pycountry 24.6.1 (places: ISO 3166 countries and subdivisions)"}
    licence = ("derived from the bundled files above (public domain, MIT); the curated short forms are the team's "
               "own (scripts/names_curated.tsv, each with a note)")
    return {NAMES_FILE: entry(path, NAME_INDEX, source, licence, "2026-08-16",
                              "newest as-of of the files it is built from (FinanceDatabase)", NAMES_COLUMNS,
                              len(ordered), command)}
