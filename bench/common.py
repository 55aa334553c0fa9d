"""What the benchmarks share: the corpus, the options, the run header, headings, medians, targets, a fake Yahoo."""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import statistics
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "raw" / "newsworthy_pr" / "press_release_archive.jsonl.gz"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None, quick: Mapping[str, Any]
               ) -> argparse.Namespace:
    """The options, where `--quick` turns the defaults into those of `quick` (options given still win)."""
    parser.add_argument("--quick", action="store_true",
                        help="a quick trial: " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in quick.items()))
    if parser.parse_known_args(argv)[0].quick:
        parser.set_defaults(**quick)
    return parser.parse_args(argv)


def read_corpus(limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The press-release archive's documents, one JSON object each, in order; the first `limit` when given."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def header(title: str, width: int = 10, cpus: str = "") -> None:
    """The first lines of every report: what ran, when, on which Python, with how many CPUs."""
    print(title)
    print(f"  {'date:':{width}}{dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"  {'python:':{width}}{platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.platform()}")
    print(f"  {'cpus:':{width}}{os.cpu_count()}{cpus}")


def done(started: float) -> None:
    """The last line of every report."""
    print()
    print(f"Done in {time.perf_counter() - started:.0f} s.")


def section(title: str) -> None:
    """Print a section heading."""
    print()
    print(title)
    print("=" * len(title))


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return statistics.median(values)


def met(ok: bool) -> str:
    """`met` or `MISSED`, for a target line."""
    return "met" if ok else "MISSED"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process, from /proc (0 when it is gone or there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)


def any_yahoo(delay_s: float) -> Any:
    """A started FakeYahoo that answers ANY symbol: the recorded fixture, else a synthetic quote shaped like it."""
    from enrich.domain.venues import VENUES, YAHOO_EXCHANGES
    from tests.market.fake_yahoo import FakeYahoo, load_quotes

    # Yahoo suffix -> (exchange code, venue): the first code our table maps to the venue with that suffix.
    by_suffix: dict[str, tuple[str, Any]] = {}
    for code, key in YAHOO_EXCHANGES.items():
        if key and VENUES[key].yahoo_suffix:
            by_suffix.setdefault(VENUES[key].yahoo_suffix.upper(), (code, VENUES[key]))

    fixture = load_quotes()
    template = fixture["MSFT"]

    class AnySymbol(dict):
        def __contains__(self, symbol: object) -> bool:
            return True

        def __missing__(self, symbol: str) -> dict[str, Any]:
            suffix = "." + symbol.rsplit(".", 1)[1] if "." in symbol else ""
            code, venue = by_suffix.get(suffix, ("NMS", VENUES["NASDAQ"]))
            currency = "GBp" if venue.currency == "GBP" else venue.currency
            price = 1.0 + (sum(map(ord, symbol)) % 997) / 10
            entry = {**template, "symbol": symbol, "exchange": code, "fullExchangeName": venue.label,
                     "currency": currency, "shortName": f"{symbol} SYNTHETIC", "longName": f"{symbol} Synthetic Inc.",
                     "regularMarketPrice": price, "regularMarketPreviousClose": round(price * 0.99, 4),
                     "regularMarketTime": int(time.time()) - 3600}
            self[symbol] = entry
            return entry

    class AnyYahoo(FakeYahoo):
        def __init__(self) -> None:
            super().__init__(quotes=fixture)
            self.quotes = AnySymbol(self.quotes)

    fake = AnyYahoo().start()
    fake.delay_s = delay_s
    return fake


def one_line(text: str) -> str:
    """`text` with every run of whitespace folded to one space."""
    return re.sub(r"\s+", " ", text).strip()


def clip(text: str, width: int) -> str:
    """`text` cut to `width` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1] + "…"
