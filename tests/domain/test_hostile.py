"""Inputs built to make a pattern backtrack finish in linear time (each case would take hours if quadratic).

The timeout is a liveness bound, not a speed test: bench/extract.py measures the t(2n)/t(n) ratios.
"""

import pytest

from enrich.domain.mentions import extract

SIZE = 1_000_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", [
    "(",
    "NASDAQ:",
    "a:",
    ":",
    "(NASDAQ: ",
    "A, ",
    "Xx ",
    "aaaaaaaaaa",
    "[](",
    "（纳斯达克：",
    "NYSE American NYSE American ",
    "(NYSE: A, ",
    "(NASDAQ: [A](",
    "Acme Acme Acme ",
    "\n\n",
    "NYSE/NASDAQ/",
    " and NYSE",
])
def test_hostile_input_is_linear(unit):
    text = unit * (SIZE // len(unit)) + " (NYSE: IBM) " + "end"
    tags = extract(text)
    last = tags[-1]
    assert (last.venue_key, last.symbol, text[last.span[0]:last.span[1]]) == ("NYSE", "IBM", "NYSE: IBM")
