"""Every input is handled (issue 12): hypothesis feeds arbitrary text to every public domain and service entry point.

Texts are built from the pieces tags are made of (venue aliases, symbols, brackets, colons, list separators, company
names) mixed with whatever else a document may hold: lone surrogates, control characters, full-width punctuation,
emoji, combining marks, 10,000-character runs. The properties are the contracts callers rely on: nothing but the
service's own errors escapes, spans point at the input's own text in text order, an answer is the same JSON each time
and for each door, and the HTTP lookup answers 200 or a client error in the one error shape.
"""

from __future__ import annotations

import dataclasses
import json
import re
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from enrich.domain import symbols
from enrich.domain.mentions import extract
from enrich.domain.model import STATUSES
from enrich.domain.venues import ALIASES_TEXT, GERMAN_VENUES, VENUES, alias_key, venue_for
from enrich.errors import EnrichError, TooLarge
from enrich.service import enrich, enrich_many, fixed_text
from enrich.web import create_app
from enrich.wiring import build_services

OFFLINE = Settings(market_data="offline")
# Derandomized, no example database: the same cases every run and no .hypothesis/ folder (as tests/web/test_openapi).
QUICK = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(QUICK, max_examples=50)  # 10,000-character inputs and whole documents through the service

ANY_CHAR = st.characters(exclude_categories=())  # every code point, lone surrogates (Cs) included
ODD = ["\ud800", "\udfff", "\x00", "\x1b", "\x7f", "\u0085", "\u200b", "\u200d", "\u202e", "\ufeff", "\u2028",
       "\u0301", "\u0345", "ß", "ﬁ", "İ", "ı", "ǅ", "ŉ", "ΐ", "²", "١", "７", "📈", "👨‍👩‍👧", "🇺🇸", "\U0010ffff"]
FULL_WIDTH = ["：", "（", "）", "【", "】", "，", "；", "｜", "／", "．", "－", "　", "ＮＹＳＥ", "ＡＡＰＬ", "＄"]
PUNCTUATION = [":", ": ", ":", "(", ")", "[", "]", ",", ", ", ";", "|", "&", "/", " and ", " And ", " ", "  ", "\n",
               "\t", "\u00a0", "\u202f", "\u3000", "*", "**", "_", "$", "](", "](https://x.example/a)", "//", "-", "--",
               ".", "..", "'", "’", '"', "“", "”", "@", "#", "10:30", "WKN:", "http://"]
SYMBOL_PIECES = ["IBM", "AAPL", "MSFT", "BRK.B", "BRK-B", "BRK/B", "BRK B", "BRK -B", "RCI-A", "AB-", "A--B", "-B",
                 "XIACY", "TCEHY", "NSRGY", "7203", "0700", "00700", "1810", "9988", "Meta", "meta", "shop", "A",
                 "VOD", "SHOP", "GY2", "DNN", "DML", "IONQ.WS", "PSA-PM", "A1B2C3D4E5F6", "OTCID", "NYSE"]
COMPANY_PIECES = ["Apple", "Apple Inc.", "Microsoft Corporation", "Baidu", "Tencent", "Xiaomi", "Shopify",
                  "Vodafone Group Plc", "Berkshire Hathaway", "Denison Mines Corp.", "Target", "Shell",
                  "Toyota Motor", "Nasdaq", "SolarBank", "Company", "Inc", "Ltd", "the", "shares of", "said"]
PIECE = st.one_of(
    st.sampled_from(ALIASES_TEXT),
    st.sampled_from(SYMBOL_PIECES),
    st.sampled_from(COMPANY_PIECES),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(FULL_WIDTH),
    st.sampled_from(ODD),
    st.text(ANY_CHAR, max_size=4),
    st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=6),
)
WRITTEN_SYMBOL = st.one_of(
    st.sampled_from(SYMBOL_PIECES),
    st.from_regex(r"[A-Z0-9]{1,10}([.\-/ ][A-Za-z0-9]{1,4}){0,2}", fullmatch=True),
    st.builds("{}{}{}".format, st.sampled_from(["", "$", "*", "**", "_", "["]), st.sampled_from(SYMBOL_PIECES),
              st.sampled_from(["", "*", "**", "_", "](https://x.example/q)", "](a b)", "]("])),
    st.text(ANY_CHAR, max_size=3),
)
# A tag as articles write them, and its near misses: `Apple Inc. (NASDAQ: AAPL)`, `(LSE/NYSE: VOD, BP; TSX: X)`.
TAG = st.builds(
    "{}{}{}{}{}{}{}".format,
    st.one_of(st.sampled_from(COMPANY_PIECES).map(lambda name: name + " "), st.just(""), PIECE),
    st.sampled_from(["(", "(", "[", "（", "【", "", " ", "(**", "( "]),
    st.lists(st.sampled_from(ALIASES_TEXT), min_size=1, max_size=3).flatmap(
        lambda names: st.sampled_from(["/", ", ", " and ", " & ", ",", " "]).map(lambda sep: sep.join(names))),
    st.sampled_from([":", ":", ": ", "：", " : ", "::", ":\n", "**:"]),
    st.sampled_from(["", " ", " ", "  ", "\u00a0", "\t", "**"]),
    st.lists(st.tuples(WRITTEN_SYMBOL, st.sampled_from([", ", ",", "; ", " | ", " & ", " and ", "/", "; LSE: ",
                                                        ", NYSE: ", " ", ";"])), min_size=1, max_size=4).map(
        lambda pairs: "".join(symbol + separator for symbol, separator in pairs[:-1]) + pairs[-1][0]),
    st.sampled_from([")", ")", "]", "）", "】", "", ").", ") rose", " ", "\n", "*)"]),
)
CLEAN_TAG = st.builds("{} ({}: {}) ".format, st.sampled_from(COMPANY_PIECES), st.sampled_from(ALIASES_TEXT),
                      st.one_of(st.sampled_from(SYMBOL_PIECES), st.from_regex(r"[A-Z0-9]{1,6}([.\-/][A-Z]{1,2})?",
                                                                            fullmatch=True)))
TAGGISH = st.lists(st.one_of(CLEAN_TAG, TAG, TAG, PIECE), min_size=1, max_size=10).map("".join)  # articles, nearly
TEXT = st.one_of(st.just(""), TAGGISH, TAGGISH, TAGGISH, st.text(ANY_CHAR, max_size=300))


def _repeated(unit: str) -> str:
    """`unit` over and over, 10,000 characters (hypothesis draws no string that long by itself)."""
    return (unit * (10_000 // len(unit) + 1))[:10_000]


LONG = st.builds(lambda unit, tail: _repeated(unit) + tail, TAGGISH.filter(bool), TEXT)
LONG_ANY = st.text(ANY_CHAR, min_size=1, max_size=30).map(_repeated)
DATE = st.dates().map(lambda d: d.isoformat())  # years 1 to 9999, written 0985-05-31 before 1000
AS_OF = st.one_of(st.none(), DATE, st.sampled_from(["0985-05-31", "1899-12-31", "0001-01-01", "9999-12-31",
                                                       "2015-06-30", "2021-01-30", "2026-08-22", "2024-02-29"]))
SHORT = st.one_of(st.sampled_from(SYMBOL_PIECES + ODD + PUNCTUATION + FULL_WIDTH), st.text(ANY_CHAR, max_size=12),
                  st.from_regex(r"[A-Za-z0-9]{1,6}[.\-/ ]?[A-Za-z]{0,2}", fullmatch=True), TAGGISH)
SYMBOL = st.one_of(SHORT, SHORT, SHORT, LONG_ANY, st.from_regex(r"[A-Z]{1,3}", fullmatch=True).map(_repeated))
VENUE_KEY = st.sampled_from(sorted(VENUES))
REGIONAL_FLOORS = GERMAN_VENUES - {"XETRA", "FWB"}  # what by_name_abroad leaves out


@pytest.fixture(scope="module")
def services():
    return build_services(OFFLINE)


@pytest.fixture(scope="module")
def client():
    return create_app(OFFLINE).test_client()


def _json(document) -> str:
    """The JSON the edge writes; raises for NaN or anything json cannot write."""
    return json.dumps(document, allow_nan=False, sort_keys=True)


def _check_tags(text: str, tags) -> None:
    """Every tag points at the input's own text, inside it; the groups follow one another in text order; a company
    name stands before its tag and after every earlier tag (or is the earlier group's: `SolarBank (NASDAQ: SUUN)
    (FSE: GY2)`)."""
    n = len(text)
    last_group, group_end, earlier_end = 0, 0, 0
    company_spans: dict[int, tuple[int, int] | None] = {}
    for tag in tags:
        start, end = tag.span
        (v_start, v_end), (s_start, s_end) = tag.venue_span, tag.symbol_span
        assert 0 <= v_start < v_end <= s_start < s_end <= n, tag
        assert end == s_end and start in (v_start, s_start), tag
        assert text[v_start:v_end] == tag.venue_text and text[s_start:s_end] == tag.symbol, tag
        named = venue_for(tag.venue_text)
        assert named is not None and (named.key == tag.venue_key or (named.key, tag.venue_key) == ("TSE", "TSX")), tag
        assert all(key in VENUES for key in tag.co_venues), tag
        if tag.group != last_group:
            assert tag.group == last_group + 1 and start >= group_end, (tag, group_end)
            last_group, earlier_end = tag.group, group_end
        group_end = max(group_end, end)
        if tag.company is not None or tag.company_span is not None:
            c_start, c_end = tag.company_span
            assert 0 <= c_start < c_end <= v_start and text[c_start:c_end] == tag.company, tag
            assert c_start >= earlier_end or company_spans.get(tag.group - 1) == tag.company_span, (tag, earlier_end)
        company_spans.setdefault(tag.group, tag.company_span)


def _shifted(tag, by: int):
    """The tag as found in the text with `by` characters put in front."""
    def move(span):
        return None if span is None else (span[0] + by, span[1] + by)

    return dataclasses.replace(tag, span=move(tag.span), venue_span=move(tag.venue_span),
                               symbol_span=move(tag.symbol_span), company_span=move(tag.company_span))


def _check_enrichment(text: str, result) -> dict:
    """The Enrichment's spans against the input, and its JSON; returns the JSON form."""
    _check_tags(text, [m.tag for m in result.mentions])
    document = result.to_dict()
    _json(document)
    statuses = [out["status"] for out in document["mentions"]]
    assert document["meta"]["counts"] == {status: statuses.count(status) for status in STATUSES}
    for out in document["mentions"]:
        start, end = out["span"]
        assert 0 <= start < end <= len(text) and out["text"] == text[start:end]
        assert 0 <= out["confidence"] <= 1 and text[start:end].endswith(out["claimed"]["symbol"])
        if document["meta"]["prices"] == "disabled":
            assert out["price"] is None and out["price_status"] == "disabled"
        if out["company"] is not None:
            c_start, c_end = out["company"]["span"]
            assert 0 <= c_start < c_end <= len(text) and out["company"]["text"] == text[c_start:c_end]
        if "fix" in out:
            f_start, f_end = out["fix"]["span"]
            assert 0 <= f_start < f_end <= len(text)
    fixed_text(result)
    if result.companies is not None:
        previous_end = 0
        for company in document["companies"]:
            c_start, c_end = company["span"]
            assert previous_end <= c_start < c_end <= len(text), (company, previous_end)
            assert company["text"] == text[c_start:c_end]
            if "suggestion" in company:
                s_start, s_end = company["suggestion"]["span"]
                assert 0 <= s_start < s_end <= len(text)
            previous_end = c_end
    return document


# --- the domain ---------------------------------------------------------------------------------------------------


@QUICK
@given(TEXT, st.integers(min_value=0, max_value=5))
@example('"NASDAQ:A(NASDAQ:A', 1)  # was: the second tag's company was the first tag, `NASDAQ:A`
@example("(NASDAQ:IBM/OTCID, NYSE: IBM)", 1)  # was: the second group's label list began inside the first group
@example("NASDAQ(NASDAQ:IBM）NASDAQ(NASDAQ:IBM）", 1)  # was: a company across a tag closed by a full-width bracket
@example("NASDAQ:A", 1)  # was: no tag, as no label could open the text
def test_extract_spans_are_the_inputs_own_text_in_order(text, limit):
    tags = extract(text)
    _check_tags(text, tags)
    assert extract(text, limit=limit) == tags[:limit]
    # A document that opens with a blank line holds the same tags: the start of the text is a line start like any.
    assert extract("\n" + text) == [_shifted(tag, 1) for tag in tags]


@SLOW
@given(LONG)
def test_extract_handles_long_inputs(text):
    _check_tags(text, extract(text))


@QUICK
@given(SHORT)
def test_canonical_is_idempotent_and_display_round_trips(written):
    form = symbols.canonical(written)
    assert symbols.canonical(form) == form
    assert symbols.canonical(symbols.display(form)) == form
    assert symbols.same_except_separator(form, form)
    assert symbols.unseparated(symbols.unseparated(written)) == symbols.unseparated(written)
    assert not set(symbols.unseparated(written)) & set(".-/ ")
    if written == written.strip():
        assert symbols.unseparated(form) == symbols.unseparated(written)
    shape = symbols.is_foreign_otc_shape(form)
    assert isinstance(shape, bool)
    if shape:
        assert len(form) == 5 and form[-1] in "YF" and symbols.unseparated(form) == form


@QUICK
@given(st.from_regex(r"[A-Z0-9]{1,6}", fullmatch=True), st.from_regex(r"[A-Z]{1,2}", fullmatch=True),
       st.sampled_from(".-/ "), st.sampled_from("YF"))
def test_every_class_separator_reads_as_the_same_symbol(root, share_class, separator, otc_letter):
    written = f"{root}{separator}{share_class}"
    assert symbols.canonical(written) == f"{root}-{share_class}"
    assert symbols.same_except_separator(written, f"{root}-{share_class}")
    assert symbols.unseparated(written) == root + share_class
    assert symbols.display(symbols.canonical(written)) == f"{root}.{share_class}"
    if root.isalpha() and len(root) == 4:
        assert symbols.is_foreign_otc_shape(root + otc_letter)


@QUICK
@given(SHORT, VENUE_KEY)
def test_yahoo_symbol_keeps_the_symbol_and_adds_the_venues_suffix(written, key):
    venue = VENUES[key]
    form = symbols.canonical(written)
    yahoo = symbols.yahoo_symbol(form, venue)
    assert yahoo.endswith(venue.yahoo_suffix)
    root = yahoo[:len(yahoo) - len(venue.yahoo_suffix)]
    if key == "HKEX" and form.isdigit():
        assert len(root) >= 4 and root.lstrip("0") == form.lstrip("0")
    else:
        assert root == form


BOUNDED = st.one_of(st.sampled_from(SYMBOL_PIECES), st.text(ANY_CHAR, max_size=12),
                    st.text("ABLPY.-", max_size=8))


@QUICK
@given(BOUNDED, BOUNDED)
def test_distance_is_a_symmetric_edit_count(a, b):
    assert symbols.distance(a, a) == 0
    d = symbols.distance(a, b)
    assert d == symbols.distance(b, a)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))
    assert (d == 0) == (a == b)


@QUICK
@given(st.text("ABLPY", min_size=2, max_size=8), st.data())
def test_distance_counts_a_swap_of_neighbours_as_one(symbol, data):
    i = data.draw(st.integers(min_value=0, max_value=len(symbol) - 2))
    assume(symbol[i] != symbol[i + 1])
    swapped = symbol[:i] + symbol[i + 1] + symbol[i] + symbol[i + 2:]
    assert symbols.distance(symbol, swapped) == 1


@QUICK
@given(st.one_of(SHORT, st.text(ANY_CHAR, max_size=80)))
def test_venue_for_answers_a_venue_or_none(text):
    venue = venue_for(text)
    assert venue is None or VENUES[venue.key] is venue
    assert venue_for(alias_key(text)) == venue


@QUICK
@given(st.sampled_from(ALIASES_TEXT), st.data())
def test_venue_for_folds_case_and_separators(alias, data):
    written = "".join(c.swapcase() if c.isascii() and data.draw(st.booleans()) else c for c in alias)
    at = data.draw(st.integers(min_value=0, max_value=len(written)))
    written = written[:at] + data.draw(st.sampled_from(["", " ", ".", "-", "_", "\u00a0"])) + written[at:]
    assert venue_for(alias) is not None
    assert venue_for(written) == venue_for(alias)


# --- the reference index ------------------------------------------------------------------------------------------


@QUICK
@given(SYMBOL, st.one_of(VENUE_KEY, SHORT))
def test_reference_lookups_answer_for_any_symbol(services, written, venue_key):
    ref = services.reference
    form = symbols.canonical(written)
    for listing in ref.listings(written):
        assert listing.symbol == form and listing.venue_key in VENUES
    assert isinstance(ref.trades_in_us(written), bool)
    presence = ref.presence(written)
    assert all(p.symbol == form and p.venue_key in VENUES for p in presence)
    assert [(p.first, p.last) for p in presence] == sorted((p.first, p.last) for p in presence)
    changes = ref.changes(written)
    assert all(form in (c.old_symbol, c.new_symbol) for c in changes)
    assert [c.first_new for c in changes] == sorted(c.first_new for c in changes)
    assert all(x.venue_key == venue_key for x in ref.listings_on(written, [venue_key]))


@QUICK
@given(st.one_of(TEXT, st.sampled_from(COMPANY_PIECES)))
def test_reference_name_lookups_answer_for_any_name(services, name):
    found = services.reference.by_name(name)
    assert len(found) <= 50 and all(x.name and x.venue_key in VENUES for x in found)
    abroad = services.reference.by_name_abroad(name)
    assert len(abroad) <= 20 and all(x.venue_key in VENUES and x.venue_key not in REGIONAL_FLOORS for x in abroad)


@SLOW
@given(st.one_of(LONG, LONG_ANY))
def test_reference_name_lookups_answer_for_long_names(services, name):
    services.reference.by_name(name)
    services.reference.by_name_abroad(name)


# --- the use case -------------------------------------------------------------------------------------------------


@QUICK
@given(TEXT, AS_OF)
@example("Shares of NYSE:IBM and Acme Corp (NYSE: ACME) rose", None)  # was: ACME's company `NYSE:IBM and Acme Corp`
def test_enrich_answers_spans_of_the_input_and_the_same_json_each_time(services, text, as_of):
    first = _check_enrichment(text, enrich(text, services, as_of=as_of, prices=False, names=True))
    again = enrich(text, services, as_of=as_of, prices=False, names=True).to_dict()
    assert _json(again) == _json(first)
    without_names = _check_enrichment(text, enrich(text, services, as_of=as_of, prices=False, names=False))
    assert "companies" not in without_names
    assert _json(without_names["mentions"]) == _json(first["mentions"])  # names only add `companies`


@SLOW
@given(LONG, AS_OF)
def test_enrich_handles_long_inputs(services, text, as_of):
    _check_enrichment(text, enrich(text, services, as_of=as_of, prices=False, names=True))


@SLOW
@given(st.lists(st.tuples(TEXT, AS_OF), max_size=5), st.booleans())
def test_enrich_many_answers_each_document_as_enrich_does(services, documents, names):
    batch = list(enrich_many(documents, services, prices=False, names=names))
    assert len(batch) == len(documents)
    for (text, as_of), result in zip(documents, batch, strict=True):
        assert not isinstance(result, EnrichError)
        alone = enrich(text, services, as_of=as_of, prices=False, names=names)
        assert _json(_check_enrichment(text, result)) == _json(alone.to_dict())


@QUICK
@given(st.lists(st.tuples(TEXT, AS_OF), max_size=4))
def test_limits_raise_too_large_or_truncate_in_place(services, documents):
    limit, cap = 120, 2
    small = dataclasses.replace(services, settings=dataclasses.replace(OFFLINE, max_text_bytes=limit,
                                                                       max_mentions=cap))
    batch = list(enrich_many(documents, small, prices=False))
    for (text, as_of), result in zip(documents, batch, strict=True):
        if len(text.encode("utf-8", "surrogatepass")) > limit:
            assert isinstance(result, TooLarge)
            with pytest.raises(TooLarge):
                enrich(text, small, as_of=as_of, prices=False)
            continue
        assert not isinstance(result, EnrichError)
        _check_enrichment(text, result)
        assert len(result.mentions) <= cap
        assert bool(result.meta.get("truncated")) == (len(extract(text)) > cap)


# --- the HTTP lookup ----------------------------------------------------------------------------------------------

# The path pattern /openapi.json documents for a symbol (JSON Schema's ECMA `$` ends the string, newline or not).
DOCUMENTED_SYMBOL = r"[A-Za-z0-9][A-Za-z0-9.&\- ]{0,19}"
TICKER = st.one_of(st.sampled_from(SYMBOL_PIECES), st.from_regex(DOCUMENTED_SYMBOL, fullmatch=True),
                   st.sampled_from(SYMBOL_PIECES).map(lambda symbol: symbol + "\n"))
EXCHANGE_VALUE = st.one_of(st.none(), st.sampled_from(ALIASES_TEXT), st.sampled_from(ALIASES_TEXT), SHORT)
DATE_VALUE = st.one_of(st.none(), st.none(), DATE, AS_OF, SHORT,
                       st.sampled_from(["2020-02-30", "20200101", "2021-W01-1", "2020-1-1", " 2020-01-01", "0000-01-01",
                                        "10000-01-01", "2020-01-01T00:00", "2020-01-01\n", "٢٠٢٠-٠١-٠١"]))


def _encoded(value: str) -> str:
    """Percent-encoded as a client would send it; a lone surrogate as the bytes a careless encoder writes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@QUICK
@given(st.one_of(st.sampled_from(SYMBOL_PIECES), TICKER, TICKER, SYMBOL), EXCHANGE_VALUE, DATE_VALUE,
       st.sampled_from([None, None, "false", "true", "yes"]))
@example("IBM\n", None, None, None)  # was: 200, resolved to the symbol `IBM\n`
def test_ticker_lookup_answers_a_client_status_in_the_one_error_shape(client, services, symbol, exchange, as_of,
                                                                      prices):
    query = {"exchange": exchange, "as_of": as_of, "prices": prices}
    query_string = "&".join(f"{k}={_encoded(v)}" for k, v in query.items() if v is not None)
    response = client.get(f"/v1/tickers/{_encoded(symbol)}", query_string=query_string, follow_redirects=True)
    # WSGI decodes %2F before routing: `/0` asks for /v1/tickers//0, which Werkzeug redirects to /v1/tickers/0.
    assert all(r.status_code == 308 for r in response.history) and (not response.history or "/" in symbol)
    assert response.status_code in (200, 400, 404, 422), (response.status_code, response.data[:500])
    assert response.mimetype == "application/json"
    body = json.loads(response.data, parse_constant=lambda name: pytest.fail(f"{name} in the answer"))
    if response.status_code == 200:
        assert re.fullmatch(DOCUMENTED_SYMBOL, symbol), "the path takes only what /openapi.json documents"
        assert body["claimed"]["symbol"] == symbol and body["status"] in STATUSES
        if exchange is not None:
            assert body["claimed"]["exchange"] == venue_for(exchange).label
            assert body["meta"]["exchange_from"] == "request"
        elif body["meta"]["exchange_from"] == "reference":
            listed = {VENUES[x.venue_key].label for x in services.reference.listings(symbol)}
            assert body["claimed"]["exchange"] in listed
        else:
            assert body["meta"]["exchange_from"] == "symbol shape" and body["claimed"]["exchange"] == "OTC"
            assert symbols.is_foreign_otc_shape(symbols.canonical(symbol))
        return
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "details"}
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
