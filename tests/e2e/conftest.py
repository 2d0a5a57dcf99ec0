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


@pytest.fixture
def matrix_reader(db):
    """A member of a fourth organisation, and the DISARM world the matrix journeys walk: a
    few tactics and techniques, a counter, three published cases and a hidden AMBER one."""
    from django.utils import timezone

    from practices.discovery.search import search_index_rebuild
    from practices.models import Taxonomy, Term
    from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

    red = Taxonomy.objects.create(slug="disarm-red", name="DISARM Red", position=1)
    blue = Taxonomy.objects.create(slug="disarm-blue", name="DISARM Blue", position=2)
    country = Taxonomy.objects.create(slug="country", name="Country", position=3)
    tactics = {}
    for position, (code, label) in enumerate(
        [("TA01", "Plan Strategy"), ("TA06", "Develop Content"), ("TA15", "Establish Assets")], 1
    ):
        tactics[code] = Term.objects.create(
            taxonomy=red, code=code, label=label, position=position * 10
        )
    degrade = Term.objects.create(
        taxonomy=red, code="T0086", label="Develop Image-Based Content", parent=tactics["TA06"]
    )
    Term.objects.create(
        taxonomy=red, code="T0086.001", label="Develop Memes", parent=degrade, position=1
    )
    Term.objects.create(
        taxonomy=red, code="T0073", label="Determine Target Audiences", parent=tactics["TA01"]
    )
    friction = Term.objects.create(taxonomy=blue, code="M004", label="Friction")
    plan = Term.objects.create(
        taxonomy=blue, code="C00159", label="Have a disinformation response plan", parent=friction
    )
    japan = Term.objects.create(taxonomy=country, code="JP", label="Japan")
    region = Taxonomy.objects.create(slug="region", name="Region", position=4)
    asia = Term.objects.create(taxonomy=region, code="indo-pacific", label="Indo-Pacific")
    europe = Term.objects.create(taxonomy=region, code="euro-atlantic", label="Euro-Atlantic")
    author = OrganisationFactory(name="Author office")
    for title, terms, effectiveness, evidence in (
        ("Ballot rumours", [degrade, plan, japan, asia], "effective", "measured"),
        ("Baltic letters", [degrade, europe], "partly_effective", "observed"),
        ("Harbour video", [japan], "ineffective", "anecdotal"),
    ):
        CaseStudyFactory(
            organisation=author,
            title=title,
            terms=terms,
            effectiveness=effectiveness,
            evidence=evidence,
            published_at=timezone.now(),
        )
    CaseStudyFactory(organisation=author, title="Hidden amber", tlp="amber", terms=[degrade])
    search_index_rebuild()
    return UserFactory(organisation=OrganisationFactory(name="Reader office"))
