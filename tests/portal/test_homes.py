"""The home page of each role: the right panels, nothing the reader may not read, and a
constant number of queries whatever the number of rows."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.services import api_token_create
from practices.discovery.models import SavedSearch
from practices.hub.access import access_request_create
from practices.sync.models import WebhookEndpoint, WebhookEvent
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

HOME = "/"


def page(user) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def published(organisation, title, *, tlp="green", days=1, **extra):
    return CaseStudyFactory(
        organisation=organisation,
        title=title,
        tlp=tlp,
        status="published",
        published_at=timezone.now() - datetime.timedelta(days=days),
        **extra,
    )


@pytest.fixture
def third_org(db):
    return OrganisationFactory(name="Korean Test Office", short_name="KR TO", country="KR")


@pytest.fixture
def cases(org, other_org, third_org, member, outsider):
    """Cases around the member's organisation (org), in every state that matters."""
    return {
        "my_draft": CaseStudyFactory(
            organisation=org, created_by=member, status="draft", title="My own draft"
        ),
        "colleague_draft": CaseStudyFactory(
            organisation=org, status="draft", title="A colleague's draft"
        ),
        "returned": CaseStudyFactory(
            organisation=org, status="changes_requested", title="Returned for changes"
        ),
        "other_draft": CaseStudyFactory(
            organisation=other_org, created_by=outsider, status="draft", title="Outsider draft"
        ),
        "other_submitted": CaseStudyFactory(
            organisation=other_org,
            status="submitted",
            submitted_at=timezone.now(),
            title="Outsider submission",
        ),
        "green": published(other_org, "Green from Japan"),
        "amber_to_us": published(other_org, "Amber shared with us", tlp="amber", recipients=[org]),
        "amber_not_to_us": published(
            other_org, "Amber for Korea only", tlp="amber", recipients=[third_org]
        ),
        "anonymised": published(
            third_org, "Anonymous green", attribution_mode="anonymised", days=2
        ),
        "old": published(other_org, "Old green", days=400),
        "own_published": published(org, "Our own published"),
    }


def test_visitor_sees_the_introduction_and_no_panel(client, cases):
    html = page(None)

    assert "Taking part" in html
    for title in ("Your drafts", "Waiting on you", "Recently shared", "Moderation"):
        assert title not in html
    assert "Green from Japan" not in html


def test_member_sees_their_drafts_returned_cases_and_what_was_shared(member, cases):
    html = page(member)

    assert "My own draft" in html
    assert "A colleague&#x27;s draft" not in html  # their drafts, not everyone's
    assert "Returned for changes" in html
    assert "Green from Japan" in html
    assert "Amber shared with us" in html
    assert html.count("your organisation is a recipient") == 1  # the AMBER recipient one
    assert "Anonymous green" in html
    assert "Korean Test Office" not in html  # anonymised: no organisation named
    assert "A partner organisation" in html
    # Never listed: other organisations' drafts and submissions, AMBER not shared with us,
    # and (not "shared with" us) our own published case; too old to be recent.
    for title in (
        "Outsider draft",
        "Outsider submission",
        "Amber for Korea only",
        "Our own published",
        "Old green",
    ):
        assert title not in html
    # A member is neither moderator nor admin.
    assert "Review queue</a></li>" not in html.split("<main", 1)[1]
    assert "API tokens" not in html


def test_member_sees_their_saved_searches_only(member, outsider, cases):
    SavedSearch.objects.create(owner=member, name="Election cases", query="q=election")
    SavedSearch.objects.create(owner=outsider, name="Outsider search", query="q=x")

    html = page(member)

    assert "Election cases" in html
    assert "?q=election" in html
    assert "Outsider search" not in html


def test_outsider_never_sees_the_members_work(outsider, cases):
    html = page(outsider)

    assert "My own draft" not in html
    assert "Returned for changes" not in html
    assert "Outsider draft" in html  # their own
    assert "Our own published" in html  # GREEN, from another organisation
    assert "Amber shared with us" not in html  # their own case: not "shared with" them


def test_deactivated_person_gets_the_visitor_home(member, cases):
    member.is_active = False
    member.save(update_fields=["is_active"])

    html = page(member)

    assert "Taking part" in html
    assert "My own draft" not in html


@pytest.fixture
def admin_setup(org, org_admin, member, other_org):
    now = timezone.now()
    UserFactory(organisation=org, is_active=False, email="gone@org.test")
    Invitation.objects.create(
        organisation=org, email="new@org.test", token_hash="a" * 64, expires_at=now + _days(3)
    )
    Invitation.objects.create(
        organisation=org,
        email="old@org.test",
        token_hash="b" * 64,
        expires_at=now + _days(3),
        accepted_at=now,
    )
    Invitation.objects.create(
        organisation=other_org,
        email="theirs@other.test",
        token_hash="c" * 64,
        expires_at=now + _days(3),
    )
    expiring, _ = api_token_create(actor=None, organisation=org, name="Nightly sync")
    expiring.expires_at = now + _days(5)
    expiring.last_used_at = now
    expiring.save()
    api_token_create(actor=None, organisation=org, name="Never used token")
    used, _ = api_token_create(actor=None, organisation=org, name="Healthy token")
    used.last_used_at = now
    used.save()
    api_token_create(actor=None, organisation=other_org, name="Their token")
    failing = _endpoint(org, "https://failing.example.test/hook")
    retrying = _endpoint(org, "https://retrying.example.test/hook")
    healthy = _endpoint(org, "https://healthy.example.test/hook")
    theirs = _endpoint(other_org, "https://theirs.example.test/hook")
    _event(failing, status="failed", attempts=8)
    _event(retrying, status="pending", attempts=4)
    _event(healthy, status="delivered", attempts=1)
    _event(healthy, status="pending", attempts=1)
    _event(theirs, status="failed", attempts=8)
    return org_admin


def _days(n):
    return datetime.timedelta(days=n)


def _endpoint(organisation, url):
    return WebhookEndpoint.objects.create(
        organisation=organisation, url=url, secret_encrypted="x", event_types=["case.updated"]
    )


def _event(endpoint, *, status, attempts):
    return WebhookEvent.objects.create(
        endpoint=endpoint,
        event_type="case.updated",
        case_uuid=uuid.uuid4(),
        payload={},
        status=status,
        attempts=attempts,
    )


def test_org_admin_sees_people_invitations_tokens_and_failing_webhooks(admin_setup, cases):
    enrol_totp(admin_setup)
    html = page(admin_setup)

    assert "2 active people" in html  # the admin and the member; not the deactivated one
    assert "1 invitation pending" in html
    assert "Nightly sync expires on" in html
    assert "Never used token has never been used" in html
    assert "Healthy token" not in html
    assert "Their token" not in html
    assert "https://failing.example.test/hook" in html
    assert "1 event failed" in html
    assert "https://retrying.example.test/hook" in html
    assert "1 event still retrying" in html
    assert "healthy.example.test" not in html
    assert "theirs.example.test" not in html
    # An admin is a member too.
    assert "Returned for changes" in html


def test_org_admin_sees_pending_access_requests_for_their_cases(
    admin_setup, org, other_org, outsider, outsider_admin
):
    ours = published(org, "Our discoverable case", tlp="amber", discoverable=True)
    theirs = published(other_org, "Their discoverable case", tlp="amber", discoverable=True)
    access_request_create(actor=outsider, case_study=ours, reason="We face the same forgery.")
    third = UserFactory(organisation=OrganisationFactory(name="Third Office"))
    access_request_create(actor=third, case_study=theirs, reason="Not for the member's admin.")
    enrol_totp(admin_setup)

    html = page(admin_setup)

    assert "Japanese Test Office asks to read “Our discoverable case”" in html
    assert "Their discoverable case" not in html
    assert "Third Office" not in html
    # The other organisation's admin sees only requests for their own case.
    enrol_totp(outsider_admin)
    theirs_html = page(outsider_admin)
    assert "Third Office asks to read “Their discoverable case”" in theirs_html
    assert "Our discoverable case" not in theirs_html


def test_member_has_no_admin_context(member):
    client = Client()
    client.force_login(member)

    response = client.get(HOME)

    assert "admin_home" not in response.context
    assert "access_requests_pending" not in response.context
    assert "Pending access requests" not in response.content.decode()
    assert "moderator_home" not in response.context


def test_moderator_sees_what_waits_and_their_claims(moderator, org, other_org, cases):
    enrol_totp(moderator)
    cases["other_submitted"].claimed_by = moderator
    cases["other_submitted"].claimed_at = timezone.now()
    cases["other_submitted"].save()
    CaseStudyFactory(
        organisation=org, status="submitted", submitted_at=timezone.now(), title="Unclaimed one"
    )

    html = page(moderator)

    assert "2 items wait for review" in html
    assert "1 unclaimed" in html
    assert "My claims" in html
    assert reverse("moderation:review", args=[cases["other_submitted"].uuid]) in html
    # A moderator still never sees another organisation's draft.
    assert "Outsider draft" not in html
    assert "My own draft" not in html


def _queries(user) -> int:
    client = Client()
    client.force_login(user)
    client.get(HOME)  # warm: session, language
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def _more_rows(org, other_org, member, admin=None):
    for i in range(4):
        CaseStudyFactory(organisation=org, created_by=member, status="draft")
        CaseStudyFactory(organisation=org, status="changes_requested")
        published(other_org, f"More green {i}")
        published(other_org, f"More amber {i}", tlp="amber", recipients=[org])
        SavedSearch.objects.create(owner=member, name=f"Search {i}", query=f"q=w{i}")
        CaseStudyFactory(organisation=other_org, status="submitted", submitted_at=timezone.now())
        if admin is not None:
            api_token_create(actor=None, organisation=org, name=f"Unused {i}")
            asked = published(org, f"Asked {i}", tlp="amber", discoverable=True)
            asking = UserFactory(organisation=OrganisationFactory())
            access_request_create(actor=asking, case_study=asked, reason="We need it.")
            _event(_endpoint(org, f"https://f{i}.example.test/"), status="failed", attempts=8)


@pytest.mark.parametrize("role", ["member", "org_admin", "moderator"])
def test_each_home_costs_a_constant_number_of_queries(role, request, org, other_org, member, cases):
    user = request.getfixturevalue(role)
    if role != "member":
        enrol_totp(user)
    owner = user if role != "moderator" else member
    before = _queries(user)

    _more_rows(org, other_org, owner, admin=user if role == "org_admin" else None)

    assert _queries(user) == before


def test_visitor_home_costs_a_constant_number_of_queries(client, org, other_org, member):
    before = len(_capture(client))
    _more_rows(org, other_org, member)
    assert len(_capture(client)) == before


def _capture(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return queries


def test_role_panels_wait_for_two_factor_as_the_role_pages_do(admin_setup, moderator, cases):
    """Without two-factor, the admin's and moderator's pages redirect to its set-up; their
    home panels (which show the same titles, requests, tokens and addresses) wait too."""
    for person in (admin_setup, moderator):
        html = page(person)

        assert "Set up two-factor authentication" in html
        assert "Pending access requests" not in html
        assert "wait for review" not in html
        assert "My claims" not in html
