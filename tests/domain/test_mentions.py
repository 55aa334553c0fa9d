"""Extraction: every tag form of SPEC, its exact spans and company, and the texts that are not tags."""

import pytest

from enrich.domain.mentions import extract


def found(text):
    return [(t.venue_key, t.symbol, text[t.span[0]:t.span[1]], t.company) for t in extract(text)]


@pytest.mark.parametrize("text, expected", [
    ("like Xiaomi (NASDAQ: XIACY), Huawei", [("NASDAQ", "XIACY", "NASDAQ: XIACY", "Xiaomi")]),
    ("meta (NASDAQ: Meta) and", [("NASDAQ", "Meta", "NASDAQ: Meta", "meta")]),
    ("Microsoft (Nasdaq: MSFT) has", [("NASDAQ", "MSFT", "Nasdaq: MSFT", "Microsoft")]),
    ("Alphabet (NASDAQ: GOOGL, GOOG) rose",
     [("NASDAQ", "GOOGL", "NASDAQ: GOOGL", "Alphabet"), ("NASDAQ", "GOOG", "GOOG", "Alphabet")]),
    ("Alibaba (NYSE: BABA; HKEX: 9988) fell",
     [("NYSE", "BABA", "NYSE: BABA", "Alibaba"), ("HKEX", "9988", "HKEX: 9988", "Alibaba")]),
    ("Giant Mining Corp. (CSE: BFG | OTC: BFGFF | FWB: YW5)",
     [("CSE", "BFG", "CSE: BFG", "Giant Mining Corp."), ("OTC", "BFGFF", "OTC: BFGFF", "Giant Mining Corp."),
      ("FWB", "YW5", "FWB: YW5", "Giant Mining Corp.")]),
    ("Rogers Communications Inc. (TSX: RCI.A and RCI.B)",
     [("TSX", "RCI.A", "TSX: RCI.A", "Rogers Communications Inc."),
      ("TSX", "RCI.B", "RCI.B", "Rogers Communications Inc.")]),
    ("Berkshire Hathaway Inc. [NYSE: BRK.B]", [("NYSE", "BRK.B", "NYSE: BRK.B", "Berkshire Hathaway Inc.")]),
    ("Berkshire (NYSE: BRK B)", [("NYSE", "BRK B", "NYSE: BRK B", "Berkshire")]),
    ("Berkshire (NYSE: BRK/B)", [("NYSE", "BRK/B", "NYSE: BRK/B", "Berkshire")]),
    ("百度（纳斯达克：BIDU）发布", [("NASDAQ", "BIDU", "纳斯达克：BIDU", "百度")]),
    ("小米集团（港交所：1810）", [("HKEX", "1810", "港交所：1810", "小米集团")]),
    ("阿里巴巴（纽交所：BABA）", [("NYSE", "BABA", "纽交所：BABA", "阿里巴巴")]),
    ("Baidu（NASDAQ：BIDU）", [("NASDAQ", "BIDU", "NASDAQ：BIDU", "Baidu")]),
    ("Apple Inc. (NASDAQ: [AAPL](https://www.nasdaq.com/market-activity/stocks/aapl)) said",
     [("NASDAQ", "AAPL", "NASDAQ: [AAPL", "Apple Inc.")]),
    ("**[Xiaomi](https://example.com/x)** (NASDAQ: XIACY)", [("NASDAQ", "XIACY", "NASDAQ: XIACY", "Xiaomi")]),
    ("Datavault (NASDAQ: **DVLT**) is", [("NASDAQ", "DVLT", "NASDAQ: **DVLT", "Datavault")]),
    ("shares of NYSE:IBM rose", [("NYSE", "IBM", "NYSE:IBM", None)]),
    ("traded as NASDAQ: AAPL.", [("NASDAQ", "AAPL", "NASDAQ: AAPL", None)]),
    ("Tesla, Inc. (NASDAQ: TSLA)", [("NASDAQ", "TSLA", "NASDAQ: TSLA", "Tesla, Inc.")]),
    ("SolarBank (NASDAQ: SUUN) (Cboe CA: SUNN) (FSE: GY2) will",
     [("NASDAQ", "SUUN", "NASDAQ: SUUN", "SolarBank"), ("CBOE_CA", "SUNN", "Cboe CA: SUNN", "SolarBank"),
      ("FWB", "GY2", "FSE: GY2", "SolarBank")]),
    ("Vinanz Limited (OTCQB: VINZF and AQSE: BTC), the",
     [("OTC", "VINZF", "OTCQB: VINZF", "Vinanz Limited"), ("AQSE", "BTC", "AQSE: BTC", "Vinanz Limited")]),
    ("Haleon (LSE/NYSE: HLN) said",
     [("LSE", "HLN", "LSE/NYSE: HLN", "Haleon"), ("NYSE", "HLN", "NYSE: HLN", "Haleon")]),
    ("About LPL Financial\n\nLPL Financial Holdings Inc. (Nasdaq: LPLA) was",
     [("NASDAQ", "LPLA", "Nasdaq: LPLA", "LPL Financial Holdings Inc.")]),
    ("At PPG (NYSE:PPG), we", [("NYSE", "PPG", "NYSE:PPG", "PPG")]),
    ("Nightfood Holdings’ (OTCQB: NGTF) new", [("OTC", "NGTF", "OTCQB: NGTF", "Nightfood Holdings")]),
    ("Energy Fuels (NYSE American: UUUU) (TSX: EFR) a",
     [("NYSE_AMERICAN", "UUUU", "NYSE American: UUUU", "Energy Fuels"), ("TSX", "EFR", "TSX: EFR", "Energy Fuels")]),
    ("Ucore Rare Metals Inc. (TSX.V: UCU) (OTCQX: UURAF)",
     [("TSXV", "UCU", "TSX.V: UCU", "Ucore Rare Metals Inc."), ("OTC", "UURAF", "OTCQX: UURAF",
                                                                 "Ucore Rare Metals Inc.")]),
    ("Opawica Explorations Inc. (TSX-V: OPW)", [("TSXV", "OPW", "TSX-V: OPW", "Opawica Explorations Inc.")]),
    ("Acme (NYSE MKT: ACU)", [("NYSE_AMERICAN", "ACU", "NYSE MKT: ACU", "Acme")]),
    ("Acme (AMEX: ACU)", [("NYSE_AMERICAN", "ACU", "AMEX: ACU", "Acme")]),
    ("Acme (NasdaqGS: ACME)", [("NASDAQ", "ACME", "NasdaqGS: ACME", "Acme")]),
    ("Acme (Nasdaq Global Select Market: ACME)", [("NASDAQ", "ACME", "Nasdaq Global Select Market: ACME", "Acme")]),
    ("Acme (OTC Pink: ACMEF)", [("OTC", "ACMEF", "OTC Pink: ACMEF", "Acme")]),
    ("Acme (Pink Sheets: ACMEF)", [("OTC", "ACMEF", "Pink Sheets: ACMEF", "Acme")]),
    ("Acme (TSX Venture: AC)", [("TSXV", "AC", "TSX Venture: AC", "Acme")]),
    ("Acme (Cboe BZX: ACX)", [("CBOE", "ACX", "Cboe BZX: ACX", "Acme")]),
    ("Acme (NYSE Arca: ACX)", [("NYSE_ARCA", "ACX", "NYSE Arca: ACX", "Acme")]),
    ("Vodafone (London: VOD)", [("LSE", "VOD", "London: VOD", "Vodafone")]),
    ("Acme (AIM: ACM)", [("LSE", "ACM", "AIM: ACM", "Acme")]),
    ("Toyota (TYO: 7203)", [("TSE", "7203", "TYO: 7203", "Toyota")]),
    ("Samsung (KOSPI: 005930)", [("KRX", "005930", "KOSPI: 005930", "Samsung")]),
    ("Reliance (NSE: RELIANCE)", [("NSE", "RELIANCE", "NSE: RELIANCE", "Reliance")]),
    ("BHP (ASX: BHP)", [("ASX", "BHP", "ASX: BHP", "BHP")]),
    ("SAP (XETRA: SAP)", [("XETRA", "SAP", "XETRA: SAP", "SAP")]),
    ("Air Liquide (Euronext Paris: AI)", [("EURONEXT_PARIS", "AI", "Euronext Paris: AI", "Air Liquide")]),
    ("Nestle (SIX: NESN)", [("SIX", "NESN", "SIX: NESN", "Nestle")]),
    ("Vale (B3: VALE3)", [("B3", "VALE3", "B3: VALE3", "Vale")]),
    ("Nokia (Nasdaq Helsinki: NOKIA)", [("HEL", "NOKIA", "Nasdaq Helsinki: NOKIA", "Nokia")]),
    ("Alcoa Corp (NYSE: AA ) recently", [("NYSE", "AA", "NYSE: AA", "Alcoa Corp")]),
    # TSE is Tokyo for digit symbols and Toronto for letters, as Canadian releases write it.
    ("Curaleaf (TSE: CURA)", [("TSX", "CURA", "TSE: CURA", "Curaleaf")]),
    ("Toyota (TSE: 7203)", [("TSE", "7203", "TSE: 7203", "Toyota")]),
    # A label after a symbol ends the list; it is not a symbol.
    ("Solaris (Cboe: SCRI | OTCQX: SLCRF | BF: QS0)",
     [("CBOE", "SCRI", "Cboe: SCRI", "Solaris"), ("OTC", "SLCRF", "OTCQX: SLCRF", "Solaris")]),
    ("Acme (OTCQB:CCDSF; WKN:A40XB1)", [("OTC", "CCDSF", "OTCQB:CCDSF", "Acme")]),
    ("PetVivo (OTCQX: PETV; OTCID PETVW)", [("OTC", "PETV", "OTCQX: PETV", "PetVivo")]),
    # Class shares written apart, and two-part suffixes.
    ("Berkshire Hathaway (NYSE: BRK -B)", [("NYSE", "BRK -B", "NYSE: BRK -B", "Berkshire Hathaway")]),
    ("Giant (CSE:BFG.WT.A)", [("CSE", "BFG.WT.A", "CSE:BFG.WT.A", "Giant")]),
    # A name may start in lower case when it is camel-cased, and loses a dateline or a possessive.
    ("iLearningEngines, Inc. (NASDAQ: AILE)", [("NASDAQ", "AILE", "NASDAQ: AILE", "iLearningEngines, Inc.")]),
    ("May 3, 2024 - ZenaTech, Inc. (Nasdaq: ZENA)", [("NASDAQ", "ZENA", "Nasdaq: ZENA", "ZenaTech, Inc.")]),
    ("Mass.–(BUSINESS WIRE)–The Cannabist Company Holdings Inc. (Cboe CA: CNTB)",
     [("CBOE_CA", "CNTB", "Cboe CA: CNTB", "Cannabist Company Holdings Inc.")]),
    ("Zynex Inc.’s (NASDAQ: ZYXI)", [("NASDAQ", "ZYXI", "NASDAQ: ZYXI", "Zynex Inc.")]),
    ("on Google Play.  About BurgerFi International (Nasdaq: BFI)",
     [("NASDAQ", "BFI", "Nasdaq: BFI", "BurgerFi International")]),
    ("Verizon Communications Inc.\nVerizon Communications Inc. (NYSE: VZ)",
     [("NYSE", "VZ", "NYSE: VZ", "Verizon Communications Inc.")]),
])
def test_tag_forms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "# NYSE: Trading resumes in shares of the company",
    "TSX: Canadian stocks fell on Monday",
    "NYSE: Trading halted\n",
    "Note: the call starts at 10:30 a.m. ET",
    "The meeting starts at 10:30.",
    "HKEX: 10:30 opening auction",
    "Contact: ir@nasdaq.com or investors@asx.com.au",
    "Email: info@company.com",
    "See https://www.nasdaq.com/market-activity/stocks/aapl for more",
    "London: shares rose",
    "London: UK stocks rose",
    "the nyse: where deals happen",
    "NASDAQ: the market closed higher",
    "Source: Reuters",
    "WKN: A3C166",
    "(NYSE: Trading halted pending news)",
    "Time: 9:30 EST",
    "a position paper, “Tokenizing the OTC: A Vision for Transparency”",
    "GUARDING THE DOOR FROM ICE: A pantry in Wheaton",
    "NYSE: IBM rose 3% on Monday",
    "Frankfurt Stock Exchange: ISIN DE000A11QVV0",
])
def test_not_tags(text):
    assert found(text) == []


def test_spans_are_exact_and_in_order():
    text = "x " * 50 + "Acme Corp. (NASDAQ: ACME) and Beta (NYSE: BETA; TSX: BT)."
    tags = extract(text)
    assert [text[t.span[0]:t.span[1]] for t in tags] == ["NASDAQ: ACME", "NYSE: BETA", "TSX: BT"]
    assert [text[t.symbol_span[0]:t.symbol_span[1]] for t in tags] == ["ACME", "BETA", "BT"]
    assert [text[t.venue_span[0]:t.venue_span[1]] for t in tags] == ["NASDAQ", "NYSE", "TSX"]
    assert all(t.company_span and text[t.company_span[0]:t.company_span[1]] == t.company for t in tags)
    assert tags[1].group == tags[2].group != tags[0].group


def test_running_text_takes_only_capitals_but_brackets_take_any_case():
    assert found("listed as NYSE:ibm today") == []
    assert found("IBM (NYSE: ibm)") == [("NYSE", "ibm", "NYSE: ibm", "IBM")]


def test_a_flood_of_tags_stops_at_the_limit():
    text = "(NYSE: A) " * 100
    assert len(extract(text, limit=7)) == 7
    assert len(extract(text)) == 100


def test_a_word_longer_than_any_symbol_is_no_tag_rather_than_a_symbol_cut_short():
    assert extract("NYSE:ABCDEFGHIJKLMN rose") == [] and extract("Y (NASDAQ: ABC.DEFGH)") == []
    assert [m.symbol for m in extract("Acme (NYSE: ABCDEFGHIJ) rose")] == ["ABCDEFGHIJ"]  # the longest allowed
    assert [m.symbol for m in extract("纳斯达克：BIDU股价")] == ["BIDU"]  # Chinese runs on without a space
