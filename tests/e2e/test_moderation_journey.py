"""The whole moderation journey, clicked through as people would.

A member submits → a moderator requests changes → the member edits and resubmits → a moderator
publishes → a member of another organisation finds it while browsing.
"""

from __future__ import annotations

import datetime
import io
import re
import time

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from accounts.models import Organisation
from practices.models import CaseStudy, ModerationEvent, Term
from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD, CaseStudyFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Forged evacuation order in Narva"
REQUEST = "Say what changed in numbers: how many shares did the forgery get after the rebuttal?"
SUMMARY = "A forged order told residents of Narva to leave their homes."
NEW_OUTCOME = "Shares of the forgery fell from 4,000 a day to under 100 within two days."


@pytest.fixture(autouse=True)
def _patient_expect():
    # Saving a section re-renders the Incident pickers (~1,000 checkboxes): give it time.
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def people(db):
    call_command("load_vocabularies", stdout=io.StringIO())
    org_a = OrganisationFactory(name="Estonian Journey Office", short_name="EE JO", country="EE")
    org_b = OrganisationFactory(name="Japanese Journey Office", short_name="JP JO", country="JP")
    hub = OrganisationFactory(
        name="Journey Hub", short_name="Hub", partner_group=Organisation.PartnerGroup.HUB
    )
    member_a = UserFactory(organisation=org_a, email="anu@ee.test", full_name="Anu Tamm")
    member_b = UserFactory(organisation=org_b, email="kenji@jp.test", full_name="Kenji Sato")
    moderator = UserFactory(
        organisation=hub, email="mara@hub.test", full_name="Mara Moderator", is_moderator=True
    )
    terms = [
        Term.objects.of("disarm-red").get(code="T0002"),
        Term.objects.of("country").get(code="EE"),
        Term.objects.of("region").get(code="euro-atlantic"),
    ]
    case_study = CaseStudyFactory(
        organisation=org_a,
        created_by=member_a,
        status=CaseStudy.Status.DRAFT,
        tlp=CaseStudy.TLP.GREEN,
        title=TITLE,
        summary=SUMMARY,
        incident="A **forged** evacuation order spread on messaging apps.",
        response="The rescue board published a rebuttal within the hour.",
        outcome="The forgery stopped spreading.",
        lessons="Rebut where the forgery spreads, in the language it spreads in.",
        incident_start=datetime.date(2024, 3, 1),
        terms=terms,
    )
    return {
        "member_a": member_a,
        "member_b": member_b,
        "moderator": moderator,
        "secret": enrol_totp(moderator),
        "case": case_study,
    }


@pytest.fixture
def new_page(browser: Browser, live_server, settings):
    """Pages in separate browser contexts, one per person, so that cookies never mix."""
    settings.SITE_URL = live_server.url
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def fresh_totp_code(secret: str) -> str:
    """The current code, unless it is about to expire: allauth accepts a code only within its
    own 30-second step (MFA_TOTP_TOLERANCE = 0), so wait for the next one instead."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left + 0.2)
    return totp_code(secret)


def sign_in(page: Page, email: str, totp_secret: str | None = None) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp_secret is not None:
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.locator("input[name=code]").fill(fresh_totp_code(totp_secret))
        page.get_by_role("button", name="Sign In", exact=True).click()
        # Moderators start at the review queue; everyone else at their home page.
        expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        return
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("details.account-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def main_nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def open_our_case(page: Page) -> None:
    main_nav(page, "Our cases")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def check_and_submit(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Check and submit")
    expect(page.get_by_text("Everything needed is there.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".case-meta .status")).to_have_text("Submitted")


def open_review(page: Page) -> None:
    main_nav(page, "Review queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(page.get_by_role("status")).to_have_text("1 item waiting, oldest first.")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Moderation")).to_be_visible()


def status_of(case_study: CaseStudy) -> str:
    case_study.refresh_from_db()
    return case_study.status


def test_submit_request_changes_resubmit_publish_and_find(new_page, people):
    case_study = people["case"]
    member, moderator, reader = new_page(), new_page(), new_page()

    # 1. Member A submits the draft from the case page.
    sign_in(member, people["member_a"].email)
    open_our_case(member)
    member.get_by_role("link", name="Submit for review").click()
    check_and_submit(member)
    expect(member.get_by_role("link", name="Edit")).to_have_count(0)
    assert status_of(case_study) == CaseStudy.Status.SUBMITTED
    sign_out(member)

    # 2. The moderator signs in with a code, claims the case from the queue, asks for changes.
    sign_in(moderator, people["moderator"].email, totp_secret=people["secret"])
    main_nav(moderator, "Review queue")
    expect(moderator.get_by_role("status")).to_have_text("1 item waiting, oldest first.")
    expect(moderator.get_by_role("row")).to_have_count(2)  # the header and the case
    row = moderator.get_by_role("row").filter(has=moderator.get_by_role("link", name=TITLE))
    expect(row.locator("time")).to_have_text(re.compile(r"^\d+\xa0minutes?$"))
    expect(row).to_contain_text("Estonian Journey Office")
    expect(row).to_contain_text("TLP:GREEN")
    row.get_by_role("button", name=f"Claim {TITLE}").click()
    # Claiming opens the case's review page.
    expect(moderator.get_by_text("You hold this item now.")).to_be_visible()
    expect(moderator.get_by_role("heading", level=1)).to_have_text(TITLE)
    case_study.refresh_from_db()
    assert case_study.claimed_by == people["moderator"]
    expect(moderator.get_by_text("Held by Mara Moderator")).to_be_visible()
    expect(moderator.get_by_role("note", name="Handling: TLP:GREEN")).to_be_visible()
    # The summary is published with the case (case page, browse cards): the moderator must
    # see it before deciding.
    expect(moderator.get_by_text(SUMMARY)).to_be_visible()
    moderator.get_by_label(re.compile("^What should change")).fill(REQUEST)
    moderator.get_by_role("button", name="Request changes").click()
    expect(moderator.get_by_text("Changes requested.", exact=True)).to_be_visible()
    expect(moderator.locator(".case-meta .status")).to_have_text("Changes requested")
    assert status_of(case_study) == CaseStudy.Status.CHANGES_REQUESTED
    assert case_study.claimed_by is None

    # 3. Member A sees the request, edits the Outcome and submits again.
    sign_in(member, people["member_a"].email)
    open_our_case(member)
    expect(member.get_by_text("A moderator asked for changes")).to_be_visible()
    history = member.get_by_role("region", name="History and comments")
    request = history.get_by_role("listitem").filter(has_text="Submitted → Changes requested")
    expect(request).to_contain_text("Mara Moderator")
    expect(request.locator("blockquote")).to_have_text(REQUEST)

    member.get_by_role("link", name="Edit", exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Incident")
    sections = member.get_by_role("navigation", name="Sections of the case")
    sections.get_by_role("link", name="Outcome and lessons").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Outcome and lessons")
    member.get_by_label("What changed").fill(NEW_OUTCOME)
    member.get_by_role("button", name="Save", exact=True).click()
    expect(member.get_by_role("status")).to_contain_text("Outcome and lessons saved.")
    sections.get_by_role("link", name="Check and submit").click()
    check_and_submit(member)
    case_study.refresh_from_db()
    assert case_study.status == CaseStudy.Status.SUBMITTED
    assert case_study.outcome == NEW_OUTCOME
    assert case_study.submission_round == 2

    # 4. The moderator, still signed in, approves and publishes.
    open_review(moderator)
    # What the organisation changed since the request, beside the request itself.
    changed = moderator.get_by_role("region", name="Changed since changes were requested")
    expect(changed.locator("blockquote")).to_have_text(REQUEST)
    expect(changed.get_by_role("heading", name="What changed")).to_be_visible()
    expect(changed.locator("ins").first).to_be_visible()
    expect(moderator.get_by_text("Approvals: 0 of 1")).to_be_visible()
    expect(moderator.get_by_text(NEW_OUTCOME)).to_be_visible()
    moderator.get_by_role("button", name="Approve and publish").click()
    expect(moderator.get_by_text("Published.", exact=True)).to_be_visible()
    expect(moderator.locator(".case-meta .status")).to_have_text("Published")
    assert status_of(case_study) == CaseStudy.Status.PUBLISHED
    assert case_study.published_at is not None

    # 5. A member of another organisation finds it by country and reads it.
    sign_in(reader, people["member_b"].email)
    main_nav(reader, "Browse cases")
    facets = reader.get_by_role("navigation", name="Narrow the results")
    facets.get_by_role("link", name=re.compile(r"^Estonia \d+$")).click()
    expect(reader).to_have_url(re.compile(r"[?&]tag=country%3AEE(&|$)"))
    results = reader.get_by_role("region", name="Results")
    expect(results.get_by_role("status")).to_have_text("1 case")
    results.get_by_role("link", name=TITLE).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader.get_by_role("note", name="Handling: TLP:GREEN")).to_contain_text("TLP:GREEN")
    expect(reader.locator(".case-meta")).to_contain_text("Estonian Journey Office")
    expect(reader.locator(".case-meta .status")).to_have_text("Published")
    expect(reader.get_by_text(NEW_OUTCOME)).to_be_visible()
    # The moderation thread stays between the originator and the moderators.
    expect(reader.get_by_role("region", name="History and comments")).to_have_count(0)
    expect(reader.get_by_text(REQUEST)).to_have_count(0)

    # The trail, in order, with who did what.
    trail = list(
        ModerationEvent.objects.filter(
            case_study=case_study, kind=ModerationEvent.Kind.TRANSITION
        ).values_list("from_status", "to_status", "actor__email", "comment")
    )
    assert trail == [
        ("draft", "submitted", "anu@ee.test", ""),
        ("submitted", "changes_requested", "mara@hub.test", REQUEST),
        ("changes_requested", "submitted", "anu@ee.test", ""),
        ("submitted", "published", "mara@hub.test", ""),
    ]
