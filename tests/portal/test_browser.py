"""The portal in a real browser: Debian's headless Chromium driven by Selenium (chromedriver).

Every "Done when" item of issue 12 that a person would check by looking. With
``PEMDESK_SCREENSHOTS=DIR`` the pages are also saved as web-*.png in both languages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from portalhelp import serving
from world import HERDER_NAME, HERDER_PHONE, PASSWORD, XSS_NAME, World, build_world

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("Debian's chromium and chromium-driver are not installed (scripts/setup.sh)",
                allow_module_level=True)
selenium = pytest.importorskip("selenium")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World, object]]:
    from pemdesk.portal import accounts, server_app

    w = build_world(tmp_path_factory.mktemp("browser"))
    app = server_app(w.server)
    for name, role in (("coord", "coordinator"), ("mon", "monitor")):
        accounts.add_user(w.server.db, name, role, PASSWORD)
    accounts.set_public(w.server.db, w.ids["site"], True, "test")
    with serving(app) as base:
        yield base, w, app
    w.laptop.close()
    w.server.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shot(driver: webdriver.Chrome, name: str) -> None:
    folder = os.environ.get("PEMDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"web-{name}.png"))


def log_in(driver: webdriver.Chrome, base: str, name: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.card button").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" not in d.current_url)


def text(driver: webdriver.Chrome, css: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def test_coordinator_sees_the_database_on_dashboard_map_site_and_visit(live, browser) -> None:
    base, w, _app = live
    log_in(browser, base, "coord")
    browser.get(f"{base}/dashboard")
    conn = w.laptop.conn
    assert int(text(browser, "#fig-visits")) == conn.execute("SELECT count(*) FROM visit").fetchone()[0]
    assert int(text(browser, "#fig-finished")) == conn.execute(
        "SELECT count(*) FROM visit WHERE status = 'finished'").fetchone()[0]
    assert int(text(browser, "#fig-findings")) == conn.execute(
        "SELECT count(*) FROM finding WHERE follow_up != 'resolved'").fetchone()[0]
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!window.pemChart"))
    shot(browser, "dashboard-mn")
    browser.get(f"{base}/dashboard?lang=en")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!window.pemChart"))
    assert "Dashboard" in browser.title
    shot(browser, "dashboard-en")

    # The map: the plot features are in Leaflet's own layers, in the desktop's stage colours.
    browser.get(f"{base}/map?lang=mn")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.getElementById('map').dataset.loaded !== undefined"))
    browser.execute_script("window.pemMap.setView([43.002, 106.862], 14)")
    colours_js = """
        var out = [];
        window.pemMap.eachLayer(function (l) {
          if (l.feature && l.feature.properties.layer === 'plot') out.push(l.options.fillColor);
        });
        return out.sort();"""
    WebDriverWait(browser, 30).until(lambda d: len(d.execute_script(colours_js)) == 3)
    assert browser.execute_script(colours_js) == ["#009e73", "#d55e00", "#e69f00"]
    shot(browser, "map-mn")
    browser.get(f"{base}/map?lang=en")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.getElementById('map').dataset.loaded !== undefined"))
    browser.execute_script("window.pemMap.setView([43.002, 106.862], 13)")
    WebDriverWait(browser, 30).until(lambda d: len(d.execute_script(colours_js)) == 3)
    shot(browser, "map-en")

    # Site and visit pages, and the visit's PDF from the same report code.
    site_id, visit_id = w.ids["site"], w.ids["visits"][0]
    for lang in ("mn", "en"):
        browser.get(f"{base}/sites/{site_id}?lang={lang}")
        assert len(browser.find_elements(By.CSS_SELECTOR, "#plots tbody tr")) == 3
        shot(browser, f"site-{lang}")
        browser.get(f"{base}/visits/{visit_id}?lang={lang}")
        assert HERDER_NAME in browser.page_source  # the coordinator sees names
        shot(browser, f"visit-{lang}")
    browser.get(f"{base}/visits/{visit_id}?lang=mn")
    href = browser.find_element(By.ID, "pdf-link").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    pdf = httpx.get(href, cookies=cookies, timeout=60)
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    words = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                           check=True).stdout.decode()
    for value in ("Оюу толгой туршилт", "Хог хаягдал ил задгай", HERDER_NAME.split()[0]):
        assert value in words, value


def test_verify_page_genuine_changed_unknown(live, browser) -> None:
    from test_portal_web import tamper_observation

    base, w, app = live
    browser.delete_all_cookies()
    genuine, changed = w.ids["digests"][0], w.ids["digests"][2]
    tamper_observation(w.server, w.ids["visits"][2], 3.0)
    app.state.portal.rm.refresh(force=True)
    for lang in ("mn", "en"):
        browser.get(f"{base}/v/{genuine}?lang={lang}")
        assert browser.find_element(By.ID, "verdict").get_attribute("data-status") == "genuine"
        shot(browser, f"verify-genuine-{lang}")
        browser.get(f"{base}/v/{changed}?lang={lang}")
        assert browser.find_element(By.ID, "verdict").get_attribute("data-status") == "changed"
        assert ("Genuine" if lang == "en" else "Жинхэнэ") not in text(browser, "#verdict")
        shot(browser, f"verify-changed-{lang}")
    browser.get(f"{base}/v/{'0' * 64}")
    assert browser.find_element(By.ID, "verdict").get_attribute("data-status") == "unknown"


def test_anonymous_visitor_sees_no_names_or_phones(live, browser) -> None:
    base, w, _app = live
    browser.delete_all_cookies()
    for path in ("/public", f"/sites/{w.ids['site']}", *[f"/visits/{v}" for v in w.ids["visits"]]):
        browser.get(base + path)
        html = browser.page_source
        assert "403" not in browser.title
        for secret in (HERDER_NAME, HERDER_PHONE, "Батмөнх", "88001122"):
            assert secret not in html, (path, secret)
    shot(browser, "public-mn")


def test_monitor_gets_403_and_forms_need_their_token(live, browser) -> None:
    base, w, _app = live
    log_in(browser, base, "mon")
    for path in ("/dashboard", "/admin", "/exports"):
        browser.get(base + path)
        assert "Танд энэ хуудсыг үзэх эрх алга." in browser.page_source, path
    # A form posted without its CSRF token is refused (the token removed in the page).
    log_in(browser, base, "coord")
    browser.get(f"{base}/admin")
    browser.execute_script("document.querySelectorAll('input[name=csrf]').forEach(function (e) "
                           "{ e.remove(); })")
    browser.find_element(By.CSS_SELECTOR, "form.inline button[type], table form.inline button").click()
    WebDriverWait(browser, 20).until(lambda d: "Error" in d.title or "Алдаа" in d.title)
    assert "хуудсыг дахин ачаалаад" in browser.page_source


def test_a_script_in_a_site_name_is_shown_as_text(live, browser) -> None:
    base, w, _app = live
    log_in(browser, base, "coord")
    browser.get(f"{base}/sites/{w.ids['xss']}")
    assert text(browser, "#site-name") == XSS_NAME
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", browser.page_source)
