"""Symbol conventions: case, class-share separators, Yahoo's form, and how far apart two symbols are."""

from __future__ import annotations

import re

from enrich.domain.venues import Venue

# `BRK.B`, `BRK-B`, `BRK/B`, `BRK B`: a root and a one- or two-letter class.
_CLASS = re.compile(r"^([A-Z0-9]{1,6})[.\-/ ]([A-Z]{1,2})$")


def canonical(symbol: str) -> str:
    """One comparable form: upper case, class shares joined with `-` (the SEC's and Yahoo's way)."""
    upper = symbol.strip().upper()
    match = _CLASS.match(upper)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return upper


def display(canonical_symbol: str) -> str:
    """How people write a canonical symbol: class shares with a dot (`BRK.B`)."""
    match = _CLASS.match(canonical_symbol)
    return f"{match.group(1)}.{match.group(2)}" if match else canonical_symbol


def same_except_separator(written: str, canonical_symbol: str) -> bool:
    """True when the article wrote the symbol in any accepted class form (`BRK/B` for `BRK-B`)."""
    return written.upper() == written and canonical(written) == canonical_symbol


def unseparated(symbol: str) -> str:
    """The symbol with every separator dropped: `BRKB` for `BRK-B`, to catch a missing class separator."""
    return re.sub(r"[.\-/ ]", "", symbol.upper())


def yahoo_symbol(canonical_symbol: str, venue: Venue) -> str:
    """Yahoo's symbol for a listing: class with `-`, Hong Kong padded to four digits, the venue's suffix."""
    root = canonical_symbol
    if venue.key == "HKEX" and root.isdigit():
        root = root.lstrip("0").zfill(4)
    return f"{root}{venue.yahoo_suffix}"


def is_foreign_otc_shape(canonical_symbol: str) -> bool:
    """Five letters ending in Y (an ADR) or F (a foreign ordinary): almost always OTC when no exchange lists it."""
    return len(canonical_symbol) == 5 and canonical_symbol.isalpha() and canonical_symbol[-1] in "YF"


def distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (APPL → AAPL is 1)."""
    if a == b:
        return 0
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
