"""The page's desk beside the marked article: the tags table (sort, status filter, row links), the companies table,
the CSV and JSON downloads, in the headless Chromium of test_page.py against its real gunicorn."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.web import test_page
from tests.web.test_page import By, Keys, ec, marks, wait

server, driver = test_page.server, test_page.driver  # the same fixtures (and skips) as test_page.py

MULTI = ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei. meta (NASDAQ: Meta) and Microsoft (Nasdaq: MSFT) "
         "struggled; Shopify (TSX: SHOP) and Vodafone (LSE: VOD) rose. TSMC (TWSE: 2330) held, Acme (NYSE: ZZZQX) "
         "fell and Ford (NASDAQ: F) said \"no, thanks\".")
NAMED = test_page.NAMED
SEED_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "examples" / "seed-article.txt"
NONE = "—"

ROWS = """return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr')).filter((tr) => !tr.hidden)
            .map((tr) => Array.from(tr.cells).map((td) => td.textContent.trim()));"""


@pytest.fixture(scope="module", autouse=True)
def wide(driver):
    """A desk-sized window: the tables sit beside the article from 1080 px on."""
    driver.set_window_size(1400, 900)


def answer(server, text, names=False, raw=False):
    """The service's own answer for the request the page sends (its bytes with raw)."""
    body = json.dumps({"text": text, "prices": True, "names": names}).encode()
    request = urllib.request.Request(server + "/v1/enrich", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        sent = response.read()
    return sent if raw else json.loads(sent)


def js_number(x):
    """A number as JavaScript's String() writes it."""
    return str(int(x)) if float(x).is_integer() else repr(x)


def check(driver, server, text, names=False):
    driver.get(server + "/?" + urllib.parse.urlencode({"text": text, **({"names": "1"} if names else {})}))
    marks(driver)
    return wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#tags-table tbody tr") or False)


def rows(driver, table="#tags-table"):
    return driver.execute_script(ROWS, table)


def listing(r):
    return f"{r['exchange']}: {r['symbol']}" if r else ""


def fixed(m):
    """The tag as its fix writes it."""
    if not m.get("fix"):
        return ""
    (start, end), (fs, fe) = m["span"], m["fix"]["span"]
    if fs < start or fe > end:
        return m["fix"]["text"]
    return m["text"][:fs - start] + m["fix"]["text"] + m["text"][fe - start:]


def expected_row(i, m):
    claimed = f"{m['claimed']['exchange']}: {m['claimed']['symbol']}"
    return [str(i + 1), m["status"], m["company"]["text"] if m.get("company") else NONE, claimed,
            listing(m.get("resolved")) or NONE, fixed(m) or NONE, "no price: " + m["price_status"], NONE]


def test_the_table_lists_every_tag_as_the_api_answers(server, driver):
    check(driver, server, MULTI)
    api = answer(server, MULTI)
    mentions = api["mentions"]
    assert {m["status"] for m in mentions} == {"valid", "corrected", "unverified", "unknown"}, "a mixed article"
    assert rows(driver) == [expected_row(i, m) for i, m in enumerate(mentions)]
    assert driver.find_element(By.CSS_SELECTOR, "#tags-table caption").text == f"Every tag ({len(mentions)})"
    heads = driver.find_elements(By.CSS_SELECTOR, "#tags-table th")
    assert [th.get_attribute("scope") for th in heads] == ["col"] * 8
    assert [th.find_element(By.TAG_NAME, "button").text for th in heads] == [
        "#", "Status", "Company", "Claimed", "Resolved listing", "Fix", "Price", "Change"]
    assert [th.get_attribute("aria-sort") for th in heads] == ["ascending"] + ["none"] * 7  # article order
    # the status wears the marks' colours and says its name (colour is not the only cue)
    chips = driver.find_elements(By.CSS_SELECTOR, "#tags-table tbody td .mark")
    assert [c.get_attribute("class") for c in chips] == ["mark " + m["status"] for m in mentions]
    mark = driver.find_element(By.CSS_SELECTOR, "#marked .mark.corrected")
    assert chips[0].value_of_css_property("background-color") == mark.value_of_css_property("background-color")
    # wide screen: the desk sits beside the article
    article, desk = driver.find_element(By.ID, "marked"), driver.find_element(By.ID, "desk")
    assert desk.location["x"] > article.location["x"] + article.size["width"] - 1
    assert abs(desk.location["y"] - article.location["y"]) < 200


def column(driver, n):
    return [r[n] for r in rows(driver)]


def test_sorting_by_a_column_both_ways_by_mouse_and_keyboard(server, driver):
    check(driver, server, MULTI)
    mentions = answer(server, MULTI)["mentions"]
    company = driver.find_element(By.CSS_SELECTOR, "#tags-table th[data-key=company]")
    names = [m["company"]["text"] for m in mentions]
    company.find_element(By.TAG_NAME, "button").click()
    assert column(driver, 2) == sorted(names, key=str.casefold)
    assert company.get_attribute("aria-sort") == "ascending"
    assert driver.find_element(By.CSS_SELECTOR, "#tags-table th[data-key=n]").get_attribute("aria-sort") == "none"
    assert "sorted by company, ascending" in driver.find_element(By.ID, "desk-sorted").text
    company.find_element(By.TAG_NAME, "button").send_keys(Keys.ENTER)  # keyboard: the header is a button
    assert column(driver, 2) == sorted(names, key=str.casefold, reverse=True)
    assert company.get_attribute("aria-sort") == "descending"
    # status: stable (ties keep the article's order), both directions
    status = driver.find_element(By.CSS_SELECTOR, "#tags-table th[data-key=status] button")
    status.send_keys(Keys.SPACE)
    by_status = sorted(range(len(mentions)), key=lambda i: mentions[i]["status"])
    assert column(driver, 0) == [str(i + 1) for i in by_status]
    status.send_keys(Keys.SPACE)
    down = sorted(range(len(mentions)), key=lambda i: mentions[i]["status"], reverse=True)  # stable, as the page
    assert column(driver, 0) == [str(i + 1) for i in down], "ties stay in article order, descending too"
    # back to the article's order through the # column
    driver.find_element(By.CSS_SELECTOR, "#tags-table th[data-key=n] button").click()
    assert column(driver, 0) == [str(i + 1) for i in range(len(mentions))]


def test_the_status_filter_hides_rows_and_announces_the_count(server, driver):
    check(driver, server, MULTI)
    mentions = answer(server, MULTI)["mentions"]
    counts = {s: sum(m["status"] == s for m in mentions) for s in ("valid", "corrected", "unverified", "unknown")}
    boxes = driver.find_elements(By.CSS_SELECTOR, "#status-filter input[type=checkbox]")
    assert [b.accessible_name for b in boxes] == [f"{s} ({n})" for s, n in counts.items()]
    live = driver.find_element(By.ID, "desk-count")
    assert live.get_attribute("aria-live") == "polite" and live.text == f"Showing all {len(mentions)} tags."
    valid = driver.find_element(By.CSS_SELECTOR, "#status-filter input[value=valid]")
    valid.send_keys(Keys.SPACE)  # keyboard: real checkboxes
    assert not valid.is_selected()
    assert {r[1] for r in rows(driver)} == {"corrected", "unverified", "unknown"}
    shown = len(mentions) - counts["valid"]
    assert len(rows(driver)) == shown and live.text == f"Showing {shown} of {len(mentions)} tags."
    driver.find_element(By.CSS_SELECTOR, "#status-filter input[value=corrected]").click()
    assert {r[1] for r in rows(driver)} == {"unverified", "unknown"}
    valid.click()
    assert {r[1] for r in rows(driver)} == {"valid", "unverified", "unknown"}
    assert live.text == f"Showing {len(mentions) - counts['corrected']} of {len(mentions)} tags."
    # a new check starts with every status shown again
    check(driver, server, MULTI)
    assert len(rows(driver)) == len(mentions)


def test_a_row_link_opens_its_mark_and_a_mark_highlights_its_row(server, driver):
    check(driver, server, MULTI)
    mentions = answer(server, MULTI)["mentions"]
    link = driver.find_element(By.CSS_SELECTOR, "#tags-table tbody tr[data-index='5'] a.rowlink")
    assert link.text == "6" and link.accessible_name.startswith(f"6: {mentions[5]['text']}, {mentions[5]['status']}")
    link.send_keys(Keys.ENTER)  # keyboard: Enter on the row's first cell link
    panel = wait(driver).until(ec.visibility_of_element_located((By.ID, "panel")))
    assert panel.text.startswith(mentions[5]["text"]) and mentions[5]["status"] in panel.text
    mark = driver.find_element(By.ID, "tag-5")
    assert driver.switch_to.active_element == mark, "the focus moves to the mark"
    assert mark.get_attribute("aria-expanded") == "true" and mark.text == mentions[5]["text"]
    assert driver.execute_script("const r = arguments[0].getBoundingClientRect(); "
                                 "return r.top >= 0 && r.bottom <= window.innerHeight", mark), "scrolled into view"
    current = driver.find_elements(By.CSS_SELECTOR, "#tags-table tr[aria-current=true]")
    assert [tr.get_attribute("data-index") for tr in current] == ["5"]
    # a click on another mark in the article moves the highlight to its row
    driver.find_element(By.ID, "tag-1").click()
    current = driver.find_elements(By.CSS_SELECTOR, "#tags-table tr[aria-current=true]")
    assert [tr.get_attribute("data-index") for tr in current] == ["1"]
    assert panel.text.startswith(mentions[1]["text"])
    # a mouse click on a row link does the same, and the address does not change (no hash navigation)
    url = driver.current_url
    driver.find_element(By.CSS_SELECTOR, "#tags-table tbody tr[data-index='0'] a.rowlink").click()
    assert driver.switch_to.active_element == driver.find_element(By.ID, "tag-0") and driver.current_url == url


def test_keyboard_only_tab_reaches_a_sort_header_and_a_row_link(server, driver):
    from selenium.webdriver.common.action_chains import ActionChains

    check(driver, server, MULTI)
    driver.execute_script("document.getElementById('download-json').focus()")  # then only the keyboard

    def tab_to(predicate, limit=8):
        for _ in range(limit):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            if driver.execute_script(f"return ({predicate})(document.activeElement)"):
                return driver.switch_to.active_element
        raise AssertionError("not reached by Tab: " + driver.switch_to.active_element.get_attribute("outerHTML"))

    header = tab_to("(e) => e.closest('#tags-table th') !== null")
    assert header.text.startswith("#")
    claimed = tab_to("(e) => e.closest('th[data-key=claimed]') !== null")
    assert claimed.value_of_css_property("outline-style") != "none", "a visible focus"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    th = driver.find_element(By.CSS_SELECTOR, "#tags-table th[data-key=claimed]")
    assert th.get_attribute("aria-sort") == "ascending"
    ActionChains(driver).send_keys(Keys.SPACE).perform()
    assert th.get_attribute("aria-sort") == "descending"
    first = driver.find_element(By.CSS_SELECTOR, "#tags-table tbody tr:first-child")
    index = int(first.get_attribute("data-index"))
    tab_to("(e) => e.classList.contains('rowlink')", limit=12)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    assert driver.switch_to.active_element == driver.find_element(By.ID, f"tag-{index}")
    assert driver.find_element(By.ID, "panel").is_displayed()


def downloaded(folder: Path, suffix: str, timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return done[0]
        time.sleep(0.05)
    raise AssertionError(f"no {suffix} downloaded: {list(folder.iterdir())}")


def test_the_downloads_give_the_csv_and_the_json(server, driver, tmp_path):
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    check(driver, server, MULTI)
    sent = answer(server, MULTI, raw=True)
    api = json.loads(sent)
    driver.find_element(By.ID, "download-csv").click()
    path = downloaded(tmp_path, ".csv")
    today = driver.execute_script("const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()]")
    assert path.name == f"enrich-{datetime.date(*today).isoformat()}.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n"), "UTF-8 with a BOM, CRLF records"
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert table[0] == ["#", "status", "company", "claimed", "resolved listing", "fix", "price", "currency", "change %",
                        "price status", "start", "end", "text", "confidence", "evidence"]
    want = []
    for i, m in enumerate(api["mentions"]):
        claimed = f"{m['claimed']['exchange']}: {m['claimed']['symbol']}"
        want.append([str(i + 1), m["status"], m["company"]["text"], claimed,
                     listing(m.get("resolved")), fixed(m), "", "", "", m["price_status"], str(m["span"][0]),
                     str(m["span"][1]), m["text"], js_number(m["confidence"]),
                     " | ".join(f"{e['source']}: {e['finding']}" for e in m["evidence"])])
    assert table[1:] == want
    assert b'"' in raw, "some field (an evidence finding) needed quotes"
    assert "Downloading enrich-" in driver.find_element(By.ID, "desk-downloaded").text

    driver.find_element(By.ID, "download-json").click()
    path = downloaded(tmp_path, ".json")
    assert path.name == f"enrich-{datetime.date(*today).isoformat()}.json"
    assert path.read_bytes() == sent, "the service's answer, byte for byte"


def test_csv_fields_are_quoted_as_rfc_4180_says(server, driver):
    driver.get(server + "/")
    mention = {"span": [3, 15], "text": "NYSE: \"A\",\nB", "claimed": {"exchange": "NYSE", "symbol": "\"A\",\nB"},
               "company": {"text": "=HYPERLINK(\"x\")", "span": [0, 1]}, "status": "unknown", "resolved": None,
               "confidence": 0.5, "price": {"last": 12.5, "currency": "EUR", "change_pct": -1.25},
               "evidence": [{"source": "s", "finding": "one, \"two\""}, {"source": "t", "finding": "ünïcode 小米"}]}
    text = driver.execute_script("return window.EnrichDesk.csv(arguments[0])", [mention])
    assert text.startswith("\ufeff") and "\r\n" in text
    assert '"NYSE: ""A"",\nB"' in text, "quotes doubled, the field quoted"
    row = list(csv.reader(io.StringIO(text[1:], newline="")))[1]
    assert row == ["1", "unknown", "'=HYPERLINK(\"x\")", "NYSE: \"A\",\nB", "", "", "12.5", "EUR", "-1.25", "", "3",
                   "15", "NYSE: \"A\",\nB", "0.5", "s: one, \"two\" | t: ünïcode 小米"]


def test_the_companies_table_comes_with_the_switch(server, driver):
    check(driver, server, NAMED, names=True)
    companies = answer(server, NAMED, names=True)["companies"]
    got = wait(driver).until(lambda d: rows(d, "#companies-table"))
    assert got == [[str(i + 1), c["text"], listing(c["listing"]), f"{round(c['confidence'] * 100)}%",
                    "yes" if c["tagged"] else "no", c["suggestion"]["text"] if c.get("suggestion") else NONE]
                   for i, c in enumerate(companies)]
    assert any(r[4] == "no" for r in got) and any(r[4] == "yes" for r in got)
    caption = driver.find_element(By.CSS_SELECTOR, "#companies-table caption").text
    assert caption == f"Companies the article names ({len(companies)})"
    baidu = next(i for i, c in enumerate(companies) if c["text"] == "Baidu")
    driver.find_element(By.CSS_SELECTOR, f"#companies-table tr[data-index='{baidu}'] a.rowlink").send_keys(Keys.ENTER)
    panel = wait(driver).until(ec.visibility_of_element_located((By.ID, "panel")))
    assert "Baidu (NASDAQ: BIDU)" in panel.text
    assert driver.switch_to.active_element == driver.find_element(By.ID, f"company-{baidu}")
    # without the switch: no companies table
    check(driver, server, NAMED)
    assert not driver.find_elements(By.ID, "companies-table")


def test_the_desk_stacks_under_the_article_on_a_phone_and_the_screenshot(server, driver, tmp_path):
    text = SEED_FILE.read_text() if SEED_FILE.exists() else (test_page.ROOT / "examples" / "article.txt").read_text()
    try:
        driver.set_window_size(390, 844)
        check(driver, server, test_page.SEED)
        article, desk = driver.find_element(By.ID, "marked"), driver.find_element(By.ID, "desk")
        assert desk.location["y"] >= article.location["y"] + article.size["height"]
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        driver.save_screenshot(str(tmp_path / "phone.png"))
    finally:
        driver.set_window_size(1400, 900)
    # the README's screenshot: the seed article checked with the switch on, its first tag opened from the table
    driver.get(server + "/")
    driver.find_element(By.ID, "text").send_keys(text)
    driver.find_element(By.ID, "names").click()
    driver.find_element(By.ID, "check").click()
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr"))
    driver.find_element(By.CSS_SELECTOR, "#tags-table a.rowlink").click()
    wait(driver).until(ec.visibility_of_element_located((By.ID, "panel")))
    driver.execute_script("document.activeElement.blur(); document.getElementById('result').scrollIntoView(); "
                          "window.scrollBy(0, -12)")
    target = os.environ.get("ENRICH_PAGE_SCREENSHOT")  # `ENRICH_PAGE_SCREENSHOT=docs/page.png pytest ...` renews it
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    try:
        driver.save_screenshot(str(tmp_path / "page.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if target:
        shutil.copyfile(tmp_path / "page.png", target)
