"""The learning loop, clicked through as people would.

A member of another organisation finds a discoverable TLP:AMBER case's stub and asks for access
→ the originating organisation's admin (two-factor) grants it → the requester reads the whole
case and records that their organisation applied its practice → the originator sees it on the
case page and has been told by e-mail.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from practices.models import AccessRequest, Adoption, Taxonomy, Term
from tests.conftest import enrol_totp
from tests.e2e.test_moderation_journey import sign_in, sign_out
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Forged port closure notices in Busan"
REASON = "Our coast guard faces the same forged notices; we need the response plan."
WHERE = "Fukuoka prefecture"


@pytest.fixture
def people(db):
    red = Taxonomy.objects.create(slug="disarm-red", name="DISARM Red", position=1)
    technique = Term.objects.create(taxonomy=red, code="T0086", label="Develop Image-Based Content")
    author = OrganisationFactory(name="Busan Harbour Office", country="KR")
    asker = OrganisationFactory(name="Kyushu Coast Office", country="JP")
    admin = UserFactory(
        organisation=author, role=User.Role.ADMIN, email="admin@busan.test", full_name="Min Park"
    )
    author_member = UserFactory(organisation=author, email="jae@busan.test", full_name="Jae Lee")
    requester = UserFactory(organisation=asker, email="aoi@kyushu.test", full_name="Aoi Mori")
    case = CaseStudyFactory(
        organisation=author,
        created_by=author_member,
        title=TITLE,
        tlp="amber",
        discoverable=True,
        terms=[technique],
        incident_start=datetime.date(2025, 3, 1),
    )
    return {
        "case": case,
        "admin": admin,
        "admin_totp": enrol_totp(admin),
        "author_member": author_member,
        "requester": requester,
        "asker": asker,
    }


def test_a_member_asks_is_granted_reads_and_records_an_adoption(page: Page, people):
    case, requester = people["case"], people["requester"]

    # The requester finds the stub: title and technique, nothing more, and asks.
    sign_in(page, requester.email)
    page.goto("/hub/access/")
    page.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("T0086 Develop Image-Based Content")).to_be_visible()
    page.get_by_label(re.compile("^Why your organisation needs")).fill(REASON)
    page.get_by_role("button", name="Send the request").click()
    request = AccessRequest.objects.get()
    assert request.status == AccessRequest.Status.PENDING
    # Until the grant, the case itself answers as if it did not exist.
    assert page.goto(f"/cases/{case.uuid}/").status == 404
    sign_out(page)

    # The originating organisation's admin grants it from the requests page.
    sign_in(page, people["admin"].email, totp_secret=people["admin_totp"], lands_on=None)
    page.goto("/hub/access/incoming/")
    page.get_by_role("link", name=re.compile("^Read and decide")).click()
    expect(page.get_by_text(REASON)).to_be_visible()
    page.get_by_role("button", name="Grant access").click()
    expect(page.get_by_text("Granted").first).to_be_visible()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.GRANTED
    assert case.recipients.filter(pk=people["asker"].pk).exists()
    sign_out(page)

    # The requester now reads the whole case and records that they applied it.
    mail.outbox.clear()
    sign_in(page, requester.email)
    page.goto(f"/cases/{case.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("link", name="Record that your organisation applied this").click()
    page.get_by_label("Applied on").fill("2026-06-01")
    page.get_by_label("Where").fill(WHERE)
    page.get_by_label("Effect").select_option("effective")
    page.get_by_label("Observed").check()
    page.get_by_role("button", name="Record the adoption").click()
    expect(page.get_by_text("Recorded as applied 1 time.")).to_be_visible()
    adoption = Adoption.objects.get()
    assert adoption.organisation == people["asker"]
    sign_out(page)

    # The originator sees it on the case page, and was told by e-mail.
    sign_in(page, people["author_member"].email)
    page.goto(f"/cases/{case.uuid}/")
    adoptions = page.locator("#adoptions")
    expect(adoptions).to_contain_text("Kyushu Coast Office")
    expect(adoptions).to_contain_text(WHERE)
    told = [m for m in mail.outbox if people["author_member"].email in m.to]
    assert told and TITLE in told[0].body
