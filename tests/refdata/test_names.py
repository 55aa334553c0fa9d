"""The bundled company-name index: the seed article's companies, laziness, and a byte-identical rebuild."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import Settings
from enrich.refdata.index import DATA_DIR
from enrich.refdata.names import NAMES_FILE, NameTable, default_names
from enrich.service import enrich
from enrich.wiring import build_services

ROOT = Path(__file__).resolve().parents[2]
SEED = ("China Mobile establishes metaverse alliance amid several big tech operations\n\n"
        "it would also include Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei, Unity China, Xunfei. "
        "The 24 founding members are drawn from companies.\n\n"
        "“The establishment of the Metaverse Industry Alliance led by China Mobile will provide useful ideas,” "
        "said Wen Ku, chairman of the China Telecommunications Standards Association. Several Chinese cities, "
        "including Shanghai and Beijing, have announced metaverse strategies.\n\n"
        "a fact underscored by the fortunes of Chinese tech giants Baidu and Tencent.\n\n"
        "In February, it was reported that Tencent intended to put an end to its Metaverse ambitions. Baidu’s "
        "metaverse ambitions suffered a similar fate.\n\n"
        "meta (NASDAQ: Meta) and Microsoft (Nasdaq: MSFT) has struggled financially.\n\n"
        "New to Bitcoin? Check out CoinGeek Bitcoin for beginners, originally conceived by Satoshi Nakamoto.")


@pytest.fixture(scope="module")
def services():
    return build_services(Settings(market_data="offline"))


def test_the_seed_articles_companies(services):
    # The excerpt keeps the seed article's sentences (../shared/examples/seed-article.txt) around each name.
    companies = enrich(SEED, services, prices=False, names=True).companies
    got = [(c.text, c.listing.exchange, c.listing.symbol, c.tagged, bool(c.suggestion)) for c in companies]
    assert got == [
        ("China Mobile", "HKEX", "0941", False, True),
        ("Xiaomi", "OTC", "XIACY", True, False),
        ("Xunfei", "SZSE", "002230", False, True),
        ("China Mobile", "HKEX", "0941", False, False),
        ("Baidu", "NASDAQ", "BIDU", False, True),
        ("Tencent", "HKEX", "0700", False, True),
        ("Tencent", "HKEX", "0700", False, False),
        ("Baidu", "NASDAQ", "BIDU", False, False),
        ("meta", "NASDAQ", "META", True, False),
        ("Microsoft", "NASDAQ", "MSFT", True, False),
    ]
    suggestion = next(c.suggestion for c in companies if c.text == "Baidu")
    assert SEED[suggestion[0][0]:suggestion[0][1]] == "Baidu" and suggestion[1] == "Baidu (NASDAQ: BIDU)"


def linked(services, text):
    return [(c.text, c.listing.symbol) for c in enrich(text, services, prices=False, names=True).companies]


@pytest.mark.parametrize("text, expected", [
    # Real sentences (press releases of 2024-2025): well-known short forms (scripts/names_curated.tsv), a list
    # through items the index doesn't know (Fidelity is private).
    ("SAFE counts Google, Fidelity, T-Mobile, Chevron, and IHG among its customers.",
     [("Google", "GOOGL"), ("T-Mobile", "TMUS"), ("Chevron", "CVX"), ("IHG", "IHG")]),
    ("OEMs around the world including BMW, Ford, GM, RNM, Stellantis, Toyota and VW.",
     [("BMW", "BMW"), ("Ford", "F"), ("GM", "GM"), ("Stellantis", "STLA"), ("Toyota", "TM"), ("VW", "VOW3")]),
    ("authorized training by Certified Trainers on vendors such as Microsoft, AWS, EC-Council, CompTIA, and more.",
     [("Microsoft", "MSFT"), ("AWS", "AMZN")]),
    # A short form that is also a word or a title needs evidence: the SAP here is a Substance Abuse Professional,
    # the AWS the American Welding Society, RTX Nvidia's graphics.
    ("Initial Evaluation: The SAP meets with the employee to conduct an evaluation.", []),
    ("Welders certified by AWS earn more.", []),
    ("The new laptops ship with RTX graphics.", []),
    # A large company abroad is named in any story when its name is its own; a surname, a first name or a place
    # that is also a large company's name is not (Remy Cointreau, Thales, Coles, Melrose, Tokio Marine).
    ("Clients include Capgemini and Iberdrola.", [("Capgemini", "CAP"), ("Iberdrola", "IBE")]),
    ("The chef, Remy, cooked dinner. The philosopher Thales predicted an eclipse. Coles scored twice.", []),
    ("They moved from Boston to Melrose. He trained in Tokio.", []),
    # A possessive says a name known as a company's is the company; not a contraction, not after `the`, not a
    # short name of another firm the article names in full.
    ("By joining the program, Zil Money gains direct access to Visa's vast global network.", [("Visa", "V")]),
    ("Here's how it works, and Earth's climate matters.", []),
    ("Loggers cleared more of the Amazon's rainforest.", []),
    ("Hilton Capital Management won awards. Details on Hilton’s winning strategies follow.", []),
    # A list doesn't run through `and` joining a longer name, an opener after a semicolon, or a line break.
    ("Sponsors include Microsoft, Crate and Barrel.", [("Microsoft", "MSFT")]),
    ("Shares fell at Microsoft, Inc.; However, Target rose.", [("Microsoft", "MSFT")]),
    ("Our partners: Microsoft, Fidelity,\nTarget audience: all.", [("Microsoft", "MSFT")]),
    # A curated name in capitals where the company writes it otherwise is as likely a ticker (Forward Industries
    # trades as FORD).
    ("NOTE TO INVESTORS: The latest news and updates relating to FORD are available in the company's newsroom.",
     []),
    # `SoftBank` alone is two companies (SoftBank Group, SoftBank Corp.): no link without a tag or legal form.
    ("Eye-Net and SoftBank completed a technology validation.", []),
    ("The fund is backed by SoftBank Group and others.", [("SoftBank Group", "9984")]),
    # CVS, AMD and Cognizant are curated: among companies they are the companies, alone they need evidence (a
    # cardiovascular risk, macular degeneration).
    ("It sells through retailers like GNC, Vitamin Shoppe, Vitamin World, Walmart, CVS, and Walgreens.",
     [("Walmart", "WMT"), ("CVS", "CVS")]),
    ("We are using NVIDIA, AMD, IBM, Amazon AWS, and OpenAI technologies.",
     [("NVIDIA", "NVDA"), ("AMD", "AMD"), ("IBM", "IBM")]),
    ("Patients with AMD and CVS risk factors were enrolled.", []),
    # A headline's company verb after a name (press release titles): a company's, not a longer name's; a plain
    # word needs to be known as a company's name (Meta, not Record).
    ("# Vertiv Appoints Mike Giresi as Global CIO\n\nCOLUMBUS, Ohio, June 3, 2025", [("Vertiv", "VRT")]),
    ("# Meta Signs 650 MW Solar Energy Deal to Power its Data Centers and AI\n\n", [("Meta", "META")]),
    ("# Greelance Marks January 2024 with Record Earnings, Token Burn, and AI Module Launch\n\n", []),
    ("# Diverse Investment Plans for Enhanced Earnings\n\nTecCrypto offers a variety of plans.", []),
    # A word that opens sentences is that word (ALSO Holding); a place is a place (Karnataka Bank's first word);
    # a US company's line abroad names its US listing (Amazon.com on Borsa Italiana, D.R. Horton on the LSE's
    # international order book). Nasdaq.com articles of January 2024.
    ("Also, Mercedes-Benz Group AG rose more than +3% after reporting.", [("Mercedes-Benz", "MBG")]),
    ("Tata's first iPhone assembly plant is in the southern state of Karnataka which it took over.", []),
    ("as investors cheered robust quarterly reports from Meta Platforms and Amazon.com, while",
     [("Meta Platforms", "META"), ("Amazon.com", "AMZN")]),
    ("Per the Zacks analyst, D.R. Horton is benefiting from its home affordability initiatives.",
     [("D.R. Horton", "DHI")]),
    # A hyphenated modifier before a name describes it (the seed article; press releases of 2025).
    ("State-backed China Mobile launched the Metaverse Alliance.", [("China Mobile", "0941")]),
    ("The lawsuit names Philadelphia-based Aramark Corporation and multiple subsidiaries.", [("Aramark", "ARMK")]),
    # `Group` after a name is its own legal form where the company's name has it (`Trip.com Group`, `Alibaba
    # Group`); after another company's name it is a family of companies or a product's group; after a plain name
    # (Everest: the analysts, or the insurer) only a legal form after it says which.
    ("Jane Sun, a dynamic leader and CEO of Trip.com Group, China, was honoured.", [("Trip.com", "TCOM")]),
    ("Deals with Alibaba Group and Tencent closed.", [("Alibaba", "BABA"), ("Tencent", "0700")]),
    ("Suppliers across the Toyota Group and the Tata Group. Join our Facebook Group today.", []),
    ("Respected analyst firms such as Everest Group and ISG have recognized Auxis.", []),
    # A company backs or owns what follows its hyphenated name; a plain word before `-owned` is no company.
    ("Building on Datavault AI’s $150 million Scilex-backed supercomputer initiative.",
     [("Datavault AI", "DVLT"), ("Scilex", "SCLX")]),
    ("Microsoft-backed OpenAI and the Target-owned brand grew.", [("Microsoft", "MSFT"), ("Target", "TGT")]),
    ("Succession and Ownership Transitions - Family-owned businesses in Chester and Delaware Counties.", []),
])
def test_well_known_short_forms(services, text, expected):
    assert linked(services, text) == expected


def test_companies_gone_since_are_named_in_articles_of_their_time(services):
    # A real sentence of a 2024 press release: Walgreens (taken private in August 2025) is named then, not today.
    text = "available to shop online at Amazon and select CVS, Target, Walgreens, and Walmart stores."
    then = enrich(text, services, as_of="2024-05-01", prices=False, names=True).companies
    now = enrich(text, services, prices=False, names=True).companies
    assert [(c.text, c.listing.symbol) for c in then] == [("CVS", "CVS"), ("Target", "TGT"), ("Walgreens", "WBA"),
                                                          ("Walmart", "WMT")]
    assert [c.listing.exchange for c in then][-1] == "NYSE"  # Walmart moved to NASDAQ on 2025-12-09
    assert [(c.text, c.listing.symbol) for c in now] == [("CVS", "CVS"), ("Target", "TGT"), ("Walmart", "WMT")]


def test_without_names_there_is_no_companies_key(services):
    assert "companies" not in enrich(SEED, services, prices=False).to_dict()


def test_the_index_is_built_on_first_search_only():
    entry = json.loads((DATA_DIR / "MANIFEST.json").read_text(encoding="utf-8"))["files"][NAMES_FILE]
    table = NameTable(DATA_DIR / NAMES_FILE, entry["sha256"], entry["as_of"])
    assert table._automata is None
    hits = list(table.find("Shares of Baidu rose; ÅNGSTRÖM İstanbul Tencent."))
    assert table._automata is not None and table.names > 10_000
    assert [h.entries[0].symbol for h in hits if h.entries[0].name in ("Baidu", "Tencent")] == ["BIDU", "0700"]
    text = "İİİ Tencent"  # lower() lengthens `İ`: spans must still index the original text
    (hit,) = [h for h in table.find(text) if h.entries[0].name == "Tencent"]
    assert text[hit.start:hit.end] == "Tencent"
    assert default_names() is default_names()


def test_names_tsv_rebuilds_byte_for_byte(tmp_path):
    pytest.importorskip("cleanco")
    pytest.importorskip("english_words")
    pytest.importorskip("wordfreq")
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / NAMES_FILE).unlink()
    subprocess.run([sys.executable, "scripts/build_refdata.py", "--names", "--out", str(data)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    assert (data / NAMES_FILE).read_bytes() == (DATA_DIR / NAMES_FILE).read_bytes()
    assert (data / "MANIFEST.json").read_bytes() == (DATA_DIR / "MANIFEST.json").read_bytes()


@pytest.mark.parametrize("unit", [
    "Apple, Amazon, Microsoft, Target and Meta, ",  # lists of names that are also words
    "Microsoft (NASDAQ: MSFT) and Apple said. ",  # tags and names
    "Taiwan Semiconductor Manufacturing Company (TSMC) ",  # short names in brackets
    "(“CiTech” or the “Company”) CiTech ",  # defined terms
    "Alpha Beta Gamma Delta Apple ",  # one line of capitals, no line break
    "Satoshi Nakamoto and Nakamoto ",  # people
])
def test_names_on_hostile_text_finish(services, unit):
    # Liveness only (no timing assertion): 1 MB of one shape; the suite's 120 s timeout is the bound. Each pass
    # is linear (bench: ~0.4-0.9 us/char whatever the shape); a quadratic step would take hours here.
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    big = build_services(Settings(market_data="offline", max_text_bytes=5_000_000, max_mentions=100_000))
    result = enrich(text, big, prices=False, names=True)
    assert all(text[c.span[0]:c.span[1]] == c.text for c in result.companies)


SMALL = """name\tkind\tcompany\tsymbol\tvenue\tcountry\tplain\tzipf\tsource\tsize\tuntil
Nestlé\talias\tNestlé S.A.\tNESN\tSIX\tSwitzerland\t0\t2.72\tcurated\t\t
Intel\tfull\tIntel Corporation\tINTC\tNASDAQ\t\t0\t0.00\tpytickersymbols\t\t
Macy's\tfull\tMacy's, Inc.\tM\tNYSE\t\t0\t0.00\tpytickersymbols\t\t
JPMORGAN CHASE\tfull\tJPMORGAN CHASE & CO\tJPM\tNYSE\t\t0\t0.00\tsec-company-tickers\t\t
AT&T\tfull\tAT&T Inc.\tT\tNYSE\t\t0\t0.00\tpytickersymbols\t\t
腾讯控股\talias\tTencent Holdings Ltd.\t0700\tHKEX\tChina\t0\t0.00\tcurated\t\t
Hologic\tfull\tHologic, Inc.\tHOLX\tNASDAQ\t\t0\t0.00\tsec-company-tickers\t\t2026-04-08
"""


def small_table(tmp_path: Path, cache: Path | None) -> NameTable:
    path = tmp_path / "names.tsv"
    path.write_text(SMALL, encoding="utf-8")
    return NameTable(path, None, "2026-11-30", cache_dir=cache)


def found(table: NameTable, text: str) -> list[tuple[str, str]]:
    return [(text[h.start:h.end], h.entries[0].symbol) for h in table.find(text)]


def test_whole_words_in_any_script_and_the_secs_capitals_in_any_case(tmp_path):
    table = small_table(tmp_path, None)
    text = ("Nestlé and Nestlè; Intel, not Intelligence or Intelé or éIntel; JPMorgan Chase and jpmorgan chase; "
            "Macy’s and Macy's; AT&T, AT-T and AT T; “Intel”")
    assert found(table, text) == [("Nestlé", "NESN"), ("Intel", "INTC"), ("JPMorgan Chase", "JPM"),
                                  ("jpmorgan chase", "JPM"), ("Macy's", "M"), ("AT&T", "T"), ("Intel", "INTC")]
    # The SEC's capitals fold the curly apostrophe: `MACY’S` is the SEC's `MACY'S`.
    sec = small_table(tmp_path, None)
    sec._path.write_text(SMALL.replace("Macy's\tfull", "MACY'S\tfull").replace("pytickersymbols\t\t\nJPM",
                                                                              "sec-company-tickers\t\t\nJPM"),
                         encoding="utf-8")
    assert ("Macy’s", "M") in found(sec, "Macy’s and Macys")


def test_a_company_gone_is_found_only_in_articles_of_its_time(tmp_path):
    # Hologic was taken private in 2026: an article of 2025 names it, today's doesn't.
    table = small_table(tmp_path, None)
    text = "Hologic (HOLX) and Intel reported."
    assert [text[h.start:h.end] for h in table.find(text, "2025-01-15")] == ["Hologic", "Intel"]
    assert [text[h.start:h.end] for h in table.find(text, "2026-04-08")] == ["Hologic", "Intel"]
    assert [text[h.start:h.end] for h in table.find(text, "2026-04-09")] == ["Intel"]
    assert [text[h.start:h.end] for h in table.find(text)] == ["Intel"]


def test_a_name_without_an_ascii_letter_is_left_out_not_matched_everywhere(tmp_path):
    table = small_table(tmp_path, None)
    assert found(table, "腾讯控股 and Intel, 腾讯 ") == [("Intel", "INTC")] and table.unsearchable == 1


def test_the_compiled_index_is_kept_for_the_next_process_and_a_bad_copy_compiled_again(tmp_path):
    cache = tmp_path / "cache"
    first = small_table(tmp_path, cache)
    text = "Intel and Nestlé"
    expected = found(first, text)
    assert expected == [("Intel", "INTC"), ("Nestlé", "NESN")] and not first.compiled_from_cache
    (stored,) = cache.glob("names-*.hsdb")
    assert stored.stat().st_mode & 0o777 == 0o644, "readable by the folder's other users"
    older = []
    for number in range(5):  # compiled from earlier names.tsv files, the oldest first
        older.append(cache / f"names-{number:04d}.hsdb")
        older[-1].write_bytes(b"compiled from an earlier names.tsv")
        os.utime(older[-1], (1_000_000 + number, 1_000_000 + number))
    again = small_table(tmp_path, cache)
    assert found(again, text) == expected and again.compiled_from_cache
    stored.write_bytes(b"not a database")
    broken = small_table(tmp_path, cache)
    assert found(broken, text) == expected and not broken.compiled_from_cache
    stored_again = small_table(tmp_path, cache)  # compiled again and stored again
    assert found(stored_again, text) == expected and stored_again.compiled_from_cache
    kept = set(cache.glob("names-*.hsdb"))
    assert stored in kept and kept == {stored, *older[-3:]}, "the four newest are kept"
    assert not list(cache.glob(".names-*")), "no temporary file left"


def test_an_unwritable_cache_costs_only_a_compile(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    table = small_table(tmp_path, blocker / "cache")  # a folder under a file: can't be made
    assert found(table, "Intel") == [("Intel", "INTC")] and not table.compiled_from_cache


def test_threads_search_one_table_at_once(tmp_path):
    # Hyperscan's scratch space can't be shared: each thread has its own.
    from concurrent.futures import ThreadPoolExecutor

    table = small_table(tmp_path, None)
    texts = [f"{'Intel and Nestlé. ' * (i + 1)}JPMorgan Chase" for i in range(200)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: found(table, t), texts))
    assert all(len(r) == 2 * (i + 1) + 1 for i, r in enumerate(results))
