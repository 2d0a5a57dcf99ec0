"""Browser tests: Playwright driving Debian's Chromium, headless, against a live server.

No browser is ever downloaded. Off CI, a machine without Chromium skips these tests with a
message naming the package; in CI (CI=true) a missing Chromium fails instead, because a
skipped browser test would hide a broken journey.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# for set-up happen outside it, but Django cannot tell, so it is told explicitly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or IN_CI:
        return  # in CI the `browser` fixture fails loudly instead
    message = "needs Chromium: install Debian's package with `apt-get install chromium`"
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
