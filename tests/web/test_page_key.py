"""The page on a service with API keys, and Swagger UI under its CSP, in the headless Chromium of test_page.py."""

from __future__ import annotations

import threading
import urllib.parse

import pytest
from werkzeug.serving import make_server

from enrich.web import keys
from tests.web import test_page
from tests.web.conftest import make_app
from tests.web.test_page import SEED, By, Keys, ec, marks, wait

driver = test_page.driver  # the same fixture: a headless Chromium for this module (skipped as test_page.py is)

KEY = "enr_page-key-for-tests"
KEY_ITEM = "enrich.apiKey"


@pytest.fixture(scope="module")
def keyed_server():
    """The offline app with ENRICH_API_KEYS set (to KEY's digest), over real HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, make_app(api_keys=(keys.digest(KEY),)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="keyed-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def stored(driver, storage):
    return driver.execute_script(f"return Object.fromEntries(Object.entries(window.{storage}))")


def asked_for_the_key(driver):
    message = wait(driver).until(ec.visibility_of_element_located((By.ID, "message"))).text
    field = driver.find_element(By.ID, "key")
    assert field.is_displayed() and driver.switch_to.active_element == field, "the key field has the focus"
    return message


def test_the_page_asks_for_the_key_and_keeps_it_in_this_tab_only(keyed_server, driver):
    driver.get(keyed_server + "/")
    driver.execute_script("window.sessionStorage.clear(); window.localStorage.clear();")
    driver.get(keyed_server + "/?" + urllib.parse.urlencode({"text": SEED}))  # a shared link checks at once: 401
    message = asked_for_the_key(driver)
    assert "needs an API key" in message and "API key field" in message
    field = driver.find_element(By.ID, "key")
    assert field.accessible_name == "API key" and field.get_attribute("type") == "password"
    assert not field.get_attribute("name"), "a field without a name is never sent in a form's URL"
    field.send_keys(KEY + Keys.ENTER)  # keyboard: Enter in the field checks again, with the key
    assert [m.text for m in marks(driver)] == ["NASDAQ: XIACY", "NASDAQ: Meta", "Nasdaq: MSFT"]
    assert not driver.find_element(By.ID, "message").is_displayed()
    assert stored(driver, "sessionStorage") == {KEY_ITEM: KEY} and stored(driver, "localStorage") == {}
    assert KEY not in driver.current_url and "key" not in urllib.parse.urlsplit(driver.current_url).query
    assert KEY not in driver.execute_script("return document.cookie")
    # a reload in the same tab keeps the key: the next check needs no asking
    driver.get(keyed_server + "/?" + urllib.parse.urlencode({"text": "Microsoft (Nasdaq: MSFT) rose."}))
    assert [m.text for m in marks(driver)] == ["Nasdaq: MSFT"]
    assert driver.find_element(By.ID, "key").get_attribute("value") == KEY


def test_a_wrong_key_is_refused_plainly_and_can_be_forgotten(keyed_server, driver):
    driver.get(keyed_server + "/")
    driver.execute_script(f"window.sessionStorage.setItem('{KEY_ITEM}', 'enr_wrong');")
    driver.get(keyed_server + "/?" + urllib.parse.urlencode({"text": SEED}))
    message = asked_for_the_key(driver)
    assert "did not accept this API key" in message and "unknown API key" in message
    driver.find_element(By.ID, "forget-key").click()
    assert stored(driver, "sessionStorage") == {} and driver.find_element(By.ID, "key").get_attribute("value") == ""
    assert "forgotten" in driver.find_element(By.ID, "message").text
    driver.find_element(By.ID, "check").click()
    assert "needs an API key" in asked_for_the_key(driver)
    driver.find_element(By.ID, "key").send_keys(KEY)
    driver.find_element(By.ID, "check").click()
    assert [m.text for m in marks(driver)] == ["NASDAQ: XIACY", "NASDAQ: Meta", "Nasdaq: MSFT"]


def test_swagger_ui_works_under_its_csp(keyed_server, driver):
    watch = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.blocked = [];
        document.addEventListener("securitypolicyviolation",
                                  (e) => window.blocked.push(e.violatedDirective + " " + e.blockedURI));"""})
    try:
        driver.get(keyed_server + "/docs")
        title = wait(driver).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
        assert title.text.startswith("enrich")
        assert wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
        assert driver.execute_script("return window.blocked") == []
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": watch["identifier"]})
