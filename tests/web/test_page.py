"""The page at `/` in a real headless Chromium (Selenium) against a real gunicorn (`python -m enrich serve`)."""

from __future__ import annotations

import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.web.conftest import gunicorn

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SEED = ("Chinese tech giants like Xiaomi (NASDAQ: XIACY), Huawei, Unity China, Xunfei.\n\n"
        "meta (NASDAQ: Meta) and Microsoft (Nasdaq: MSFT) has struggled financially.")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (requirements-dev.txt)")
if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    pytest.skip(f"{CHROMIUM} or {CHROMEDRIVER} is missing (.ci/run installs Debian's chromium and chromium-driver)",
                allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def test_the_page_is_served_from_the_package():
    from enrich.web.page import PAGE_DIR
    from tests.web.conftest import make_app

    client = make_app().test_client()
    with client.get("/") as page:
        assert page.status_code == 200 and b"page/page.js" in page.data
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        html = page.get_data(as_text=True)
    for name in ("page.js", "desk.js", "page.css"):
        with client.get("/page/" + name) as asset:
            assert asset.data == (PAGE_DIR / name).read_bytes()
    script = (PAGE_DIR / "page.js").read_text() + (PAGE_DIR / "desk.js").read_text()
    text = html + script + (PAGE_DIR / "page.css").read_text()
    assert "http://" not in text and "https://" not in text, "no CDN: the page works offline"
    assert not any(s in script for s in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")), "no HTML"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn on a free loopback port, offline, as the Procfile runs it."""
    with gunicorn(tmp_path_factory.mktemp("server") / "server.log", workers=1, threads=4) as (_, base, _port):
        yield base


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    """Headless Chromium with a throwaway profile and nothing phoning home."""
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={profile}", "--window-size=1100,900"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, timeout=20):
    return WebDriverWait(driver, timeout)


def marks(driver):
    return wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#marked .mark") or False)


def test_paste_check_open_a_tag_and_apply_the_fixes(server, driver, tmp_path):
    driver.get(server + "/")
    area = driver.find_element(By.ID, "text")
    area.clear()
    area.send_keys(SEED)
    driver.find_element(By.ID, "check").click()
    found = marks(driver)
    assert [m.text for m in found] == ["NASDAQ: XIACY", "NASDAQ: Meta", "Nasdaq: MSFT"]
    assert [m.get_attribute("data-status") for m in found] == ["corrected", "corrected", "valid"]
    # the marks sit on the article's text: the marked-up block reads as the article did
    assert driver.find_element(By.ID, "marked").get_attribute("textContent") == SEED

    found[0].send_keys(Keys.ENTER)  # keyboard: a mark is a button, Enter opens its panel
    panel = wait(driver).until(ec.visibility_of_element_located((By.ID, "panel")))
    assert "OTC: XIACY" in panel.text and "over the counter" in panel.text and "NASDAQ → OTC" in panel.text
    assert "no price: disabled" in panel.text
    assert found[0].get_attribute("aria-expanded") == "true"
    driver.save_screenshot(str(tmp_path / "page.png"))

    driver.find_element(By.ID, "apply").click()
    fixed = wait(driver).until(ec.visibility_of_element_located((By.ID, "fixed"))).get_attribute("value")
    assert "OTC: XIACY" in fixed and "NASDAQ: META" in fixed and "Nasdaq: MSFT" in fixed
    assert fixed == SEED.replace("NASDAQ: XIACY", "OTC: XIACY").replace("NASDAQ: Meta", "NASDAQ: META")
    driver.find_element(By.ID, "copy").click()
    assert wait(driver).until(lambda d: d.find_element(By.ID, "copied").text)
    # the URL now shares the article
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)["text"] == [SEED]


def test_a_shared_link_opens_marked_up_and_spans_land_right_after_emoji_and_cjk(server, driver):
    text = "🚀🚀 小米 Xiaomi (NASDAQ: XIACY) 上涨 and meta (NASDAQ: Meta) 📉."
    driver.get(server + "/?" + urllib.parse.urlencode({"text": text}))
    found = marks(driver)
    assert [m.text for m in found] == ["NASDAQ: XIACY", "NASDAQ: Meta"]
    assert driver.find_element(By.ID, "text").get_attribute("value") == text
    driver.find_element(By.ID, "apply").click()
    fixed = wait(driver).until(ec.visibility_of_element_located((By.ID, "fixed"))).get_attribute("value")
    assert fixed == "🚀🚀 小米 Xiaomi (OTC: XIACY) 上涨 and meta (NASDAQ: META) 📉."


def test_article_markup_is_text_never_html(server, driver):
    text = '<img src=x onerror="document.title=\'pwned\'"> Xiaomi (NASDAQ: XIACY) <b>bold</b>'
    driver.get(server + "/?" + urllib.parse.urlencode({"text": text}))
    assert [m.text for m in marks(driver)] == ["NASDAQ: XIACY"]
    assert driver.find_element(By.ID, "marked").get_attribute("textContent") == text
    assert not driver.find_elements(By.CSS_SELECTOR, "#marked img, #marked b") and driver.title != "pwned"


def test_throttled_and_error_answers_are_shown(server, driver):
    driver.get(server + "/")
    # a 429 as the service writes it (ENRICH_RATE_LIMIT needs Redis, so the answer is stubbed in the page)
    driver.execute_script("""
        window.fetch = async () => new Response(
          JSON.stringify({error: {code: "rate_limited", message: "more than 5 requests in the window; retry in 17 s"}}),
          {status: 429, headers: {"Content-Type": "application/json", "Retry-After": "17"}});""")
    driver.find_element(By.ID, "text").send_keys("Xiaomi (NASDAQ: XIACY)")
    driver.find_element(By.ID, "check").click()
    message = wait(driver).until(ec.visibility_of_element_located((By.ID, "message"))).text
    assert "Try again in 17 s" in message and "more than 5 requests" in message
    # a real error from the real server: a text over the size limit gets the error shape's message
    driver.get(server + "/")
    driver.execute_script("document.getElementById('text').value = 'x'.repeat(3000000);")
    driver.find_element(By.ID, "check").click()
    message = wait(driver).until(ec.visibility_of_element_located((By.ID, "message"))).text
    assert "413" in message, message


def test_readable_at_phone_width(server, driver):
    driver.set_window_size(390, 844)
    try:
        driver.get(server + "/?" + urllib.parse.urlencode({"text": SEED}))
        marks(driver)[0].click()
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        panel, marked = driver.find_element(By.ID, "panel"), driver.find_element(By.ID, "marked")
        assert panel.location["y"] > marked.location["y"], "the panel stacks under the article on a phone"
    finally:
        driver.set_window_size(1100, 900)


NAMED = "Chinese tech giants Baidu and Tencent. Microsoft (Nasdaq: MSFT) rose."


def company_marks(driver):
    return wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#marked .company") or False)


def record_requests(driver):
    """Keep every request body the page sends (window.sent), passing the requests on to the server."""
    driver.execute_script("""
        window.sent = [];
        const real = window.fetch;
        window.fetch = (url, options) => { window.sent.push(JSON.parse(options.body)); return real(url, options); };""")


def test_the_names_switch_asks_for_companies(server, driver):
    driver.get(server + "/")
    record_requests(driver)
    switch = driver.find_element(By.ID, "names")
    assert switch.accessible_name == "Companies without tags" and not switch.is_selected()
    switch.send_keys(Keys.SPACE)  # keyboard: a real checkbox with its label
    assert switch.is_selected()
    driver.find_element(By.ID, "text").send_keys(NAMED)
    driver.find_element(By.ID, "check").click()
    marks(driver)
    assert driver.execute_script("return window.sent") == [{"text": NAMED, "prices": True, "names": True}]
    assert driver.find_element(By.ID, "marked").get_attribute("textContent") == NAMED
    assert "company mention" in driver.find_element(By.ID, "summary").text
    legend = driver.find_elements(By.CSS_SELECTOR, ".legend .names-only")
    assert legend and all(li.is_displayed() for li in legend)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)["names"] == ["1"]
    # switched off again: no names asked for, no company marks, no company legend
    switch.send_keys(Keys.SPACE)
    driver.find_element(By.ID, "check").click()
    wait(driver).until(lambda d: len(d.execute_script("return window.sent")) == 2)
    wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#marked .company"))
    assert driver.execute_script("return window.sent")[1]["names"] is False
    assert not any(li.is_displayed() for li in driver.find_elements(By.CSS_SELECTOR, ".legend .names-only"))


def test_baidu_is_marked_and_its_tag_suggested(server, driver):
    driver.get(server + "/?" + urllib.parse.urlencode({"text": NAMED, "names": "1"}))  # a shared link with the switch
    assert driver.find_element(By.ID, "names").is_selected()
    found = {m.text: m for m in company_marks(driver)}
    baidu = found["Baidu"]
    assert baidu.get_attribute("data-tagged") == "false" and "untagged" in baidu.get_attribute("class")
    assert [m.text for m in marks(driver)] == ["Nasdaq: MSFT"]  # the tag keeps its own mark
    baidu.send_keys(Keys.ENTER)
    panel = wait(driver).until(ec.visibility_of_element_located((By.ID, "panel")))
    assert "NASDAQ: BIDU (XNAS)" in panel.text and "Baidu (NASDAQ: BIDU)" in panel.text
    assert baidu.get_attribute("aria-expanded") == "true"
    apply = driver.find_element(By.ID, "apply")
    assert apply.text == "Apply fixes and suggestions"
    apply.click()
    fixed = wait(driver).until(ec.visibility_of_element_located((By.ID, "fixed"))).get_attribute("value")
    assert fixed.startswith("Chinese tech giants Baidu (NASDAQ: BIDU) and ")
    assert fixed.endswith("Microsoft (Nasdaq: MSFT) rose.")


def test_company_marks_panels_and_suggestions_land_right_after_emoji(server, driver):
    # The server's real answer, with company mentions added as the model writes them: the page's part alone.
    from enrich.domain.model import CompanyListing, CompanyMention, Evidence

    text = "🚀 Baidu and meta (NASDAQ: Meta) rose."
    baidu = CompanyMention((2, 7), "Baidu", CompanyListing("BIDU", "NASDAQ", "XNAS", "BIDU", "Baidu, Inc."), 0.9,
                           False, (Evidence("name-index", "2026-01-01", "'Baidu' names Baidu, Inc."),),
                           ((2, 7), "Baidu (NASDAQ: BIDU)"))
    meta = CompanyMention((12, 16), "meta", CompanyListing("META", "NASDAQ", "XNAS", "META", "Meta Platforms, Inc."),
                          0.95, True, (Evidence("name-index", None, "the article tags it"),))
    assert text[2:7] == "Baidu" and text[12:16] == "meta"
    driver.get(server + "/")
    driver.execute_script("""
        const companies = arguments[0];
        const real = window.fetch;
        window.fetch = async (url, options) => {
          const body = await (await real(url, options)).json();
          body.companies = companies;
          return new Response(JSON.stringify(body), {status: 200, headers: {"Content-Type": "application/json"}});
        };""", [baidu.to_dict(), meta.to_dict()])
    driver.find_element(By.ID, "text").send_keys(text)
    driver.find_element(By.ID, "check").click()
    found = company_marks(driver)
    assert [(m.text, m.get_attribute("data-tagged")) for m in found] == [("Baidu", "false"), ("meta", "true")]
    assert [m.text for m in marks(driver)] == ["NASDAQ: Meta"]
    assert driver.find_element(By.ID, "marked").get_attribute("textContent") == text
    assert found[0].value_of_css_property("border-bottom-style") == "dotted"
    found[0].send_keys(Keys.ENTER)
    panel = wait(driver).until(ec.visibility_of_element_located((By.ID, "panel"))).text
    for shown in ("NASDAQ: BIDU (XNAS)", "Baidu, Inc.", "90%", "tagged\nno", "Baidu (NASDAQ: BIDU)", "name-index"):
        assert shown in panel, (shown, panel)
    found[1].click()
    panel = driver.find_element(By.ID, "panel").text
    assert "tagged\nyes" in panel and "suggestion" not in panel
    assert found[0].get_attribute("aria-expanded") == "false" and found[1].get_attribute("aria-expanded") == "true"
    driver.find_element(By.ID, "apply").click()
    fixed = wait(driver).until(ec.visibility_of_element_located((By.ID, "fixed"))).get_attribute("value")
    assert fixed == "🚀 Baidu (NASDAQ: BIDU) and meta (NASDAQ: META) rose."
