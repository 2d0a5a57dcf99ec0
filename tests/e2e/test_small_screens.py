"""Pages on a phone (390×844) and a small laptop (1366): nothing pushes the page sideways, the
header stays compact behind a menu button, filters fold away, and the token Copy button works.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts import services as account_services
from accounts.models import User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record
from practices.models import WebhookEndpoint
from practices.sync import signing
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
LONG = "Coordinated-inauthentic-amplification-of-a-forged-ministry-letter-across-platforms"


@pytest.fixture
def people(db):
    org = OrganisationFactory(
        name="Estonian Government Office for Strategic Communication", short_name="EE GO"
    )
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub", country="LV")
    admin = UserFactory(
        organisation=org, role=User.Role.ADMIN, email="administrator.with.a.long.name@ee.test"
    )
    member = UserFactory(organisation=org, email="member.with.a.long.address@ee.test")
    moderator = UserFactory(organisation=hub, is_moderator=True, email="moderator@hub.test")
    enrol_totp(admin)
    enrol_totp(moderator)
    for status in ("draft", "submitted", "published"):
        CaseStudyFactory(organisation=org, status=status, title=f"{LONG} ({status})")
    account_services.invitation_create(
        actor=admin, organisation=org, email="invited.person.with.a.long.address@ee.test"
    )
    account_services.api_token_create(
        actor=admin, organisation=org, name=f"Nightly sync {LONG}", write=True
    )
    endpoint = WebhookEndpoint.objects.create(
        organisation=org,
        url=f"https://hooks.example.org/{LONG}/receiver?token=abcdefabcdefabcdefabcdef",
        secret_encrypted=signing.secret_encrypt("whsec_x"),
        event_types=list(WebhookEndpoint.EventType.values),
    )
    audit_record(
        actor=admin,
        action=AuditEvent.Action.UPDATE,
        obj=endpoint,
        changes={"url": [endpoint.url, endpoint.url + "&again"], "x" * 40: [None, "y" * 80]},
    )
    return {"admin": admin, "member": member, "moderator": moderator}


def signed_in(page: Page, live_server, user) -> Page:
    """The browser carries a session of ``user`` (two-factor already enrolled where needed)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("who", "url_name", "viewport"),
    [
        ("member", "practices:our-cases", PHONE),
        ("moderator", "moderation:queue", PHONE),
        ("admin", "accounts:organisation", PHONE),
        ("admin", "accounts:tokens", PHONE),
        ("admin", "webhooks:list", PHONE),
        ("moderator", "practices:audit-log", PHONE),
        ("moderator", "practices:audit-log", LAPTOP),
        ("member", "practices:case-list", PHONE),
    ],
)
def test_page_does_not_scroll_sideways(page, live_server, people, who, url_name, viewport):
    page.set_viewport_size(viewport)
    signed_in(page, live_server, people[who])

    page.goto(reverse(url_name))

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page_width(page) <= viewport["width"]
    # A wide table scrolls inside its own labelled, focusable region instead.
    for region in page.locator(".table-scroll").all():
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("aria-label")
        assert region.get_attribute("tabindex") == "0"


def test_header_is_compact_with_a_menu_button_on_a_phone(page, live_server, people):
    page.set_viewport_size(PHONE)
    signed_in(page, live_server, people["moderator"])
    page.goto(reverse("moderation:queue"))

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 80
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()


def test_wide_screen_shows_the_navigation_without_a_menu_button(page, live_server, people):
    page.set_viewport_size(LAPTOP)
    signed_in(page, live_server, people["moderator"])
    page.goto(reverse("moderation:queue"))

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")
    ).to_be_visible()
    expect(page.get_by_label("TLP")).to_be_visible()


def test_filters_fold_away_on_a_phone_and_open_on_demand(page, live_server, people):
    page.set_viewport_size(PHONE)
    signed_in(page, live_server, people["moderator"])
    page.goto(reverse("moderation:queue"))

    expect(page.get_by_label("TLP")).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("TLP")).to_be_visible()


def test_new_token_is_copied_with_the_button(page, live_server, people):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size(PHONE)
    signed_in(page, live_server, people["admin"])
    page.goto(reverse("accounts:tokens"))

    page.get_by_label("Name").fill("Phone test")
    page.get_by_role("button", name="Issue token").click()

    value = page.locator("#token-value").inner_text().strip()
    assert value.startswith("cdpe_")
    assert page_width(page) <= PHONE["width"]
    page.get_by_role("button", name="Copy token").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == value


def test_without_javascript_the_navigation_and_filters_stay_usable(browser, live_server, people):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        page = signed_in(context.new_page(), live_server, people["moderator"])
        page.goto(reverse("moderation:queue"))

        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
        expect(page.get_by_label("TLP")).to_be_visible()
        assert page_width(page) <= PHONE["width"]
    finally:
        context.close()
