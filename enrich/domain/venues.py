"""Venues: what articles write for an exchange, mapped to a short label, MIC, Yahoo suffix and currency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Venue:
    """One trading venue as the service reports it."""

    key: str
    label: str
    mic: str
    operating_mic: str
    yahoo_suffix: str
    country: str
    currency: str
    family: str

    @property
    def is_us(self) -> bool:
        return self.country == "US"


# key, label, MIC, operating MIC, Yahoo suffix, country, currency, family, aliases.
# Aliases are compared after `alias_key` (case, spaces, dots and hyphens folded).
_TABLE: tuple[tuple[str, str, str, str, str, str, str, str, tuple[str, ...]], ...] = (
    ("NASDAQ", "NASDAQ", "XNAS", "XNAS", "", "US", "USD", "NASDAQ", (
        "NASDAQ", "NasdaqGS", "NasdaqGM", "NasdaqCM", "Nasdaq GS", "Nasdaq GM", "Nasdaq CM",
        "Nasdaq Global Select", "Nasdaq Global Select Market", "Nasdaq Global Market",
        "Nasdaq Capital Market", "Nasdaq Stock Market", "The Nasdaq Stock Market", "NMS", "NGS", "NGM",
        "NCM", "Nasdaq US", "纳斯达克", "納斯達克")),
    ("NYSE", "NYSE", "XNYS", "XNYS", "", "US", "USD", "NYSE", (
        "NYSE", "New York Stock Exchange", "NYQ", "纽交所", "紐交所", "纽约证券交易所", "紐約證券交易所")),
    ("NYSE_AMERICAN", "NYSE American", "XASE", "XNYS", "", "US", "USD", "NYSE", (
        "NYSE American", "NYSE MKT", "NYSEMKT", "AMEX", "NYSE-A", "NYSEAM", "NYSE Amex",
        "American Stock Exchange", "NYSE American LLC")),
    ("NYSE_ARCA", "NYSE Arca", "ARCX", "XNYS", "", "US", "USD", "NYSE", ("NYSE Arca", "NYSEARCA", "Arca")),
    ("NYSE_TEXAS", "NYSE Texas", "XCHI", "XNYS", "", "US", "USD", "NYSE", ("NYSE Texas", "NYSE Chicago")),
    ("CBOE", "Cboe", "BATS", "XCBO", "", "US", "USD", "CBOE", (
        "Cboe", "Cboe BZX", "CboeBZX", "BATS", "Cboe US", "BZX")),
    ("OTC", "OTC", "OTCM", "OTCM", "", "US", "USD", "OTC", (
        "OTC", "OTC Markets", "OTCQX", "OTCQB", "OTC Pink", "OTCPink", "OTC Pinks", "Pink Sheets", "Pink",
        "OTCMKTS", "OTCID", "OTC ID", "OTCPK", "OTCM", "OTC BB", "OTCBB", "OTC-QB", "OTC-QX",
        "OTCQX Best Market", "OTCQB Venture Market", "OTC Pink Limited", "OTC Expert Market",
        "NASDAQOTH", "OTC US", "OTCQX US", "OTCQX International")),
    ("TSX", "TSX", "XTSE", "XTSE", ".TO", "CA", "CAD", "TSX", ("TSX", "Toronto Stock Exchange", "TOR")),
    ("TSXV", "TSXV", "XTSX", "XTSX", ".V", "CA", "CAD", "TSX", (
        "TSXV", "TSX-V", "TSX.V", "TSX Venture", "TSX Venture Exchange", "TSXV.", "CVE", "VAN")),
    ("CSE", "CSE", "XCNQ", "XCNQ", ".CN", "CA", "CAD", "CSE", (
        "CSE", "CNSX", "Canadian Securities Exchange", "CNQ")),
    ("CBOE_CA", "Cboe Canada", "NEOE", "NEOE", ".NE", "CA", "CAD", "CBOE_CA", (
        "Cboe CA", "Cboe Canada", "NEO", "NEO Exchange", "Aequitas NEO")),
    ("LSE", "LSE", "XLON", "XLON", ".L", "GB", "GBP", "LSE", (
        "LSE", "London", "London Stock Exchange", "LON", "AIM", "LSE AIM", "AIM London")),
    ("AQSE", "AQSE", "AQXE", "AQXE", ".AQ", "GB", "GBP", "AQSE", ("AQSE", "Aquis", "Aquis Stock Exchange")),
    ("HKEX", "HKEX", "XHKG", "XHKG", ".HK", "HK", "HKD", "HKEX", (
        "HKEX", "HKSE", "SEHK", "HK", "HKG", "Hong Kong", "Hong Kong Stock Exchange", "港交所", "香港交易所",
        "联交所", "聯交所", "港股")),
    ("SSE", "SSE", "XSHG", "XSHG", ".SS", "CN", "CNY", "SSE", (
        "SSE", "Shanghai", "Shanghai Stock Exchange", "SHA", "SH", "上交所", "上海证券交易所", "上證所")),
    ("SZSE", "SZSE", "XSHE", "XSHE", ".SZ", "CN", "CNY", "SZSE", (
        "SZSE", "Shenzhen", "Shenzhen Stock Exchange", "SHE", "SZ", "深交所", "深圳证券交易所")),
    ("TSE", "TSE", "XTKS", "XJPX", ".T", "JP", "JPY", "TSE", (
        "TSE", "Tokyo", "Tokyo Stock Exchange", "TYO", "JPX", "東証", "东证")),
    ("KRX", "KRX", "XKRX", "XKRX", ".KS", "KR", "KRW", "KRX", ("KRX", "KOSPI", "Korea Exchange", "KSC")),
    ("KOSDAQ", "KOSDAQ", "XKOS", "XKRX", ".KQ", "KR", "KRW", "KRX", ("KOSDAQ", "KOE")),
    ("NSE", "NSE", "XNSE", "XNSE", ".NS", "IN", "INR", "NSE", ("NSE", "National Stock Exchange", "NSEI", "NSI")),
    ("BSE", "BSE", "XBOM", "XBOM", ".BO", "IN", "INR", "BSE", ("BSE", "Bombay Stock Exchange")),
    ("ASX", "ASX", "XASX", "XASX", ".AX", "AU", "AUD", "ASX", ("ASX", "Australian Securities Exchange")),
    ("SGX", "SGX", "XSES", "XSES", ".SI", "SG", "SGD", "SGX", ("SGX", "Singapore Exchange", "SES")),
    ("TWSE", "TWSE", "XTAI", "XTAI", ".TW", "TW", "TWD", "TWSE", ("TWSE", "Taiwan Stock Exchange", "TPE", "TAI")),
    ("XETRA", "XETRA", "XETR", "XETR", ".DE", "DE", "EUR", "XETRA", ("XETRA", "ETR", "GER")),
    ("FWB", "FWB", "XFRA", "XFRA", ".F", "DE", "EUR", "FWB", (
        "FWB", "FSE", "Frankfurt", "Frankfurt Stock Exchange", "FRA", "Börse Frankfurt", "Boerse Frankfurt")),
    ("EURONEXT_PARIS", "Euronext Paris", "XPAR", "XPAR", ".PA", "FR", "EUR", "EURONEXT", (
        "Euronext Paris", "Euronext", "EPA", "Paris", "PAR", "Euronext Growth Paris", "Euronext Growth")),
    ("EURONEXT_AMSTERDAM", "Euronext Amsterdam", "XAMS", "XAMS", ".AS", "NL", "EUR", "EURONEXT", (
        "Euronext Amsterdam", "AMS", "Amsterdam")),
    ("EURONEXT_BRUSSELS", "Euronext Brussels", "XBRU", "XBRU", ".BR", "BE", "EUR", "EURONEXT", (
        "Euronext Brussels", "EBR", "Brussels", "BRU")),
    ("EURONEXT_LISBON", "Euronext Lisbon", "XLIS", "XLIS", ".LS", "PT", "EUR", "EURONEXT", (
        "Euronext Lisbon", "ELI", "Lisbon", "LIS")),
    ("EURONEXT_DUBLIN", "Euronext Dublin", "XMSM", "XDUB", ".IR", "IE", "EUR", "EURONEXT", (
        "Euronext Dublin", "ISE", "Irish Stock Exchange")),
    ("EURONEXT_OSLO", "Oslo", "XOSL", "XOSL", ".OL", "NO", "NOK", "EURONEXT", (
        "Oslo", "OSE", "Oslo Børs", "Oslo Bors", "Euronext Oslo", "OSL")),
    ("SIX", "SIX", "XSWX", "XSWX", ".SW", "CH", "CHF", "SIX", ("SIX", "SIX Swiss Exchange", "SWX", "EBS")),
    ("BME", "BME", "XMAD", "XMAD", ".MC", "ES", "EUR", "BME", ("BME", "Madrid", "Bolsa de Madrid", "MCE")),
    ("BIT", "Borsa Italiana", "XMIL", "XMIL", ".MI", "IT", "EUR", "BIT", (
        "Borsa Italiana", "BIT", "MIL", "Milan", "Euronext Milan")),
    ("STO", "Nasdaq Stockholm", "XSTO", "XSTO", ".ST", "SE", "SEK", "NASDAQ_NORDIC", (
        "Nasdaq Stockholm", "STO", "Stockholm", "Nasdaq First North", "First North")),
    ("HEL", "Nasdaq Helsinki", "XHEL", "XHEL", ".HE", "FI", "EUR", "NASDAQ_NORDIC", (
        "Nasdaq Helsinki", "HEL", "Helsinki")),
    ("CPH", "Nasdaq Copenhagen", "XCSE", "XCSE", ".CO", "DK", "DKK", "NASDAQ_NORDIC", (
        "Nasdaq Copenhagen", "CPH", "Copenhagen")),
    ("ICE", "Nasdaq Iceland", "XICE", "XICE", ".IC", "IS", "ISK", "NASDAQ_NORDIC", ("Nasdaq Iceland", "ICEX")),
    ("B3", "B3", "BVMF", "BVMF", ".SA", "BR", "BRL", "B3", ("B3", "Bovespa", "BM&FBovespa", "BMFBovespa")),
    ("BMV", "BMV", "XMEX", "XMEX", ".MX", "MX", "MXN", "BMV", ("BMV", "Mexican Stock Exchange", "BMV Mexico")),
    ("JSE", "JSE", "XJSE", "XJSE", ".JO", "ZA", "ZAR", "JSE", ("JSE", "Johannesburg Stock Exchange")),
    ("TASE", "TASE", "XTAE", "XTAE", ".TA", "IL", "ILS", "TASE", ("TASE", "Tel Aviv Stock Exchange", "TLV")),
    ("NZX", "NZX", "XNZE", "XNZE", ".NZ", "NZ", "NZD", "NZX", ("NZX", "NZSE")),
    ("IEX", "IEX", "IEXG", "IEXG", "", "US", "USD", "IEX", ("IEX", "Investors Exchange")),
    # Germany's regional exchanges: listings FinanceDatabase records; the securities share one symbol with
    # Frankfurt and XETRA (GERMAN_VENUES), so a listing on one is evidence for a tag on another.
    ("BER", "Berlin", "XBER", "XBER", ".BE", "DE", "EUR", "BER", ("Berlin Stock Exchange", "Börse Berlin",
                                                                  "Boerse Berlin")),
    ("MUN", "Munich", "XMUN", "XMUN", ".MU", "DE", "EUR", "MUN", ("Munich Stock Exchange", "Börse München",
                                                                  "Boerse Muenchen")),
    ("DUS", "Düsseldorf", "XDUS", "XDUS", ".DU", "DE", "EUR", "DUS", ("Düsseldorf Stock Exchange",
                                                                      "Börse Düsseldorf", "Boerse Duesseldorf")),
    ("HAM", "Hamburg", "XHAM", "XHAM", ".HM", "DE", "EUR", "HAM", ("Hamburg Stock Exchange", "Börse Hamburg")),
    ("HAN", "Hannover", "XHAN", "XHAN", ".HA", "DE", "EUR", "HAN", ("Hannover Stock Exchange", "Börse Hannover")),
    ("STU", "Stuttgart", "XSTU", "XSTU", ".SG", "DE", "EUR", "STU", ("Stuttgart Stock Exchange", "Börse Stuttgart",
                                                                    "Boerse Stuttgart")),
)

# The German exchanges share one symbol per security (SPEC): a listing on one speaks, less surely, for another.
GERMAN_VENUES = frozenset({"FWB", "XETRA", "BER", "MUN", "DUS", "HAM", "HAN", "STU"})

# Aliases that are also ordinary words or too short to trust in running text: only inside brackets.
_BRACKET_ONLY = frozenset({
    "london", "tokyo", "frankfurt", "paris", "amsterdam", "brussels", "lisbon", "oslo", "milan", "madrid",
    "stockholm", "helsinki", "copenhagen", "shanghai", "shenzhen", "hongkong", "six", "aim", "hk", "sh", "sz",
    "arca", "bats", "neo", "pink", "sto", "hel", "cph", "lon", "fra", "epa", "ams", "ebr", "bru", "lis", "eli",
    "mil", "bit", "ise", "ose", "osl", "ebs", "swx", "mce", "tor", "van", "cve", "cnq", "nms", "ngs", "ngm",
    "ncm", "nyq", "ksc", "koe", "ses", "tpe", "tai", "tlv", "sha", "she", "hkg", "etr", "ger", "par",
    "firstnorth", "euronextgrowth", "euronext", "bzx", "jpx", "tse", "b3", "eid", "nsi", "nsei",
    "iex", "berlin", "munich", "dusseldorf", "düsseldorf", "hamburg", "hannover", "stuttgart",
})

_SEPARATORS = str.maketrans("", "", " .-_\u00a0\u202f\u2009\u3000\u2011\u2013")


def alias_key(text: str) -> str:
    """Fold case, spaces, dots and hyphens so `TSX-V`, `TSX.V` and `tsxv` compare equal."""
    return text.translate(_SEPARATORS).casefold()


VENUES: dict[str, Venue] = {}
ALIASES: dict[str, str] = {}
ALIASES_TEXT: list[str] = []  # every alias as written, for extraction's quick checks
for _key, _label, _mic, _op, _suffix, _country, _ccy, _family, _aliases in _TABLE:
    VENUES[_key] = Venue(_key, _label, _mic, _op, _suffix, _country, _ccy, _family)
    for _alias in (*_aliases, _label):
        ALIASES.setdefault(alias_key(_alias), _key)
        ALIASES_TEXT.append(_alias)

# The longest alias in words, so extraction knows how far back to look from a colon.
MAX_ALIAS_WORDS = max(len(a.split()) for row in _TABLE for a in row[8])


def venue_for(text: str) -> Venue | None:
    """The venue an article's label names, or None."""
    key = ALIASES.get(alias_key(text))
    return VENUES[key] if key else None


def bracket_only(text: str) -> bool:
    """True for a label that only counts inside a bracketed tag (`London`, `HK`, `AIM`)."""
    return alias_key(text) in _BRACKET_ONLY


def same_family(a: str, b: str) -> bool:
    """Venues a source may not tell apart (NYSE, NYSE American, NYSE Arca)."""
    return VENUES[a].family == VENUES[b].family


def by_mic(mic: str) -> Venue | None:
    """The venue whose segment or operating MIC is `mic`."""
    for venue in VENUES.values():
        if venue.mic == mic:
            return venue
    for venue in VENUES.values():
        if venue.operating_mic == mic:
            return venue
    return None


# Yahoo's exchange codes (a quote's `exchange`) to our venues; codes of regional German floors and other
# venues the table doesn't model map to None (the listing exists, on a venue we don't report).
YAHOO_EXCHANGES: dict[str, str | None] = {
    "NMS": "NASDAQ", "NGM": "NASDAQ", "NCM": "NASDAQ", "NAS": "NASDAQ", "NIM": "NASDAQ",
    "NYQ": "NYSE", "NYS": "NYSE", "ASE": "NYSE_AMERICAN", "PCX": "NYSE_ARCA", "BTS": "CBOE", "CXI": "CBOE",
    "PNK": "OTC", "OQX": "OTC", "OQB": "OTC", "OBB": "OTC", "OEM": "OTC", "OGM": "OTC", "OTC": "OTC",
    "TOR": "TSX", "VAN": "TSXV", "CNQ": "CSE", "NEO": "CBOE_CA",
    "LSE": "LSE", "IOB": "LSE", "AQS": "AQSE",
    "HKG": "HKEX", "SHH": "SSE", "SHZ": "SZSE", "JPX": "TSE", "TYO": "TSE", "OSA": "TSE",
    "KSC": "KRX", "KOE": "KOSDAQ", "NSI": "NSE", "BSE": "BSE", "ASX": "ASX", "SES": "SGX",
    "TAI": "TWSE", "TWO": None,
    "GER": "XETRA", "FRA": "FWB", "STU": None, "BER": None, "MUN": None, "DUS": None, "HAM": None, "HAN": None,
    "PAR": "EURONEXT_PARIS", "AMS": "EURONEXT_AMSTERDAM", "BRU": "EURONEXT_BRUSSELS", "LIS": "EURONEXT_LISBON",
    "ISE": "EURONEXT_DUBLIN", "OSL": "EURONEXT_OSLO", "EBS": "SIX", "VTX": "SIX", "MCE": "BME", "MIL": "BIT",
    "STO": "STO", "HEL": "HEL", "CPH": "CPH", "ICE": "ICE", "SAO": "B3", "MEX": "BMV", "JNB": "JSE",
    "TLV": "TASE", "NZE": "NZX",
}


def venue_for_yahoo(code: str | None) -> Venue | None:
    """The venue a Yahoo exchange code names, or None for a code the table doesn't model."""
    key = YAHOO_EXCHANGES.get(code or "")
    return VENUES[key] if key else None
