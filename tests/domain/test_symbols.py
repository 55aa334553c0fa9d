"""Symbol conventions: canonical form, display form, Yahoo's form, and edit distance."""

import pytest

from enrich.domain.symbols import canonical, display, distance, is_foreign_otc_shape, yahoo_symbol
from enrich.domain.venues import VENUES, venue_for, venue_for_yahoo


@pytest.mark.parametrize("written, expected", [
    ("BRK.B", "BRK-B"), ("BRK-B", "BRK-B"), ("BRK/B", "BRK-B"), ("BRK B", "BRK-B"), ("brk.b", "BRK-B"),
    ("Meta", "META"), ("RCI.A", "RCI-A"), ("9988", "9988"), ("SOUL.U", "SOUL-U"),
])
def test_canonical(written, expected):
    assert canonical(written) == expected


@pytest.mark.parametrize("symbol, venue, expected", [
    ("1810", "HKEX", "1810.HK"), ("700", "HKEX", "0700.HK"), ("00700", "HKEX", "0700.HK"),
    ("SHOP", "TSX", "SHOP.TO"), ("VOD", "LSE", "VOD.L"), ("7203", "TSE", "7203.T"), ("BHP", "ASX", "BHP.AX"),
    ("BRK-B", "NYSE", "BRK-B"), ("RCI-B", "TSX", "RCI-B.TO"), ("XIACY", "OTC", "XIACY"), ("600519", "SSE", "600519.SS"),
])
def test_yahoo_symbol(symbol, venue, expected):
    assert yahoo_symbol(symbol, VENUES[venue]) == expected


def test_display_and_shapes():
    assert display("BRK-B") == "BRK.B" and display("MSFT") == "MSFT"
    assert is_foreign_otc_shape("XIACY") and is_foreign_otc_shape("BFGFF")
    assert not is_foreign_otc_shape("GOOGL") and not is_foreign_otc_shape("XIAC")
    assert distance("APPL", "AAPL") == 1 and distance("MSFT", "MSFT") == 0 and distance("KOR", "COUR") == 2


@pytest.mark.parametrize("label, key", [
    ("Nasdaq", "NASDAQ"), ("NasdaqGS", "NASDAQ"), ("Nasdaq Capital Market", "NASDAQ"), ("NYSE MKT", "NYSE_AMERICAN"),
    ("AMEX", "NYSE_AMERICAN"), ("NYSE Arca", "NYSE_ARCA"), ("BATS", "CBOE"), ("OTC Markets", "OTC"),
    ("OTCQX", "OTC"), ("Pink Sheets", "OTC"), ("OTCMKTS", "OTC"), ("OTCID", "OTC"), ("TSX-V", "TSXV"),
    ("TSX Venture", "TSXV"), ("CSE", "CSE"), ("London", "LSE"), ("AIM", "LSE"), ("HKSE", "HKEX"), ("SEHK", "HKEX"),
    ("SSE", "SSE"), ("SZSE", "SZSE"), ("Tokyo", "TSE"), ("TYO", "TSE"), ("JPX", "TSE"), ("KOSPI", "KRX"),
    ("KOSDAQ", "KOSDAQ"), ("NSE", "NSE"), ("BSE", "BSE"), ("ASX", "ASX"), ("SGX", "SGX"), ("TWSE", "TWSE"),
    ("XETRA", "XETRA"), ("Frankfurt", "FWB"), ("Euronext Paris", "EURONEXT_PARIS"),
    ("Euronext Amsterdam", "EURONEXT_AMSTERDAM"), ("Euronext Brussels", "EURONEXT_BRUSSELS"),
    ("Euronext Lisbon", "EURONEXT_LISBON"), ("Euronext Dublin", "EURONEXT_DUBLIN"), ("SIX", "SIX"), ("BME", "BME"),
    ("Borsa Italiana", "BIT"), ("Nasdaq Stockholm", "STO"), ("Nasdaq Helsinki", "HEL"),
    ("Nasdaq Copenhagen", "CPH"), ("Oslo", "EURONEXT_OSLO"), ("B3", "B3"), ("BMV", "BMV"), ("JSE", "JSE"),
    ("纳斯达克", "NASDAQ"), ("纽交所", "NYSE"), ("港交所", "HKEX"), ("上交所", "SSE"), ("深交所", "SZSE"),
])
def test_spec_aliases(label, key):
    assert venue_for(label).key == key


@pytest.mark.parametrize("code, key", [
    ("NMS", "NASDAQ"), ("NGM", "NASDAQ"), ("NCM", "NASDAQ"), ("NYQ", "NYSE"), ("ASE", "NYSE_AMERICAN"),
    ("PCX", "NYSE_ARCA"), ("BTS", "CBOE"), ("PNK", "OTC"), ("OQX", "OTC"), ("OQB", "OTC"), ("TOR", "TSX"),
    ("VAN", "TSXV"), ("CNQ", "CSE"), ("LSE", "LSE"), ("HKG", "HKEX"), ("SHH", "SSE"), ("SHZ", "SZSE"),
    ("JPX", "TSE"), ("KSC", "KRX"), ("KOE", "KOSDAQ"), ("NSI", "NSE"), ("BSE", "BSE"), ("ASX", "ASX"),
    ("GER", "XETRA"), ("FRA", "FWB"), ("PAR", "EURONEXT_PARIS"), ("AMS", "EURONEXT_AMSTERDAM"),
])
def test_yahoo_exchange_codes(code, key):
    assert venue_for_yahoo(code).key == key
