"""Access requests: asking, the refusals, granting and declining (feed entry, webhook events,
mail, audit), withdrawing, and who may do what."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import api_token_create
from practices.cases import revisions, services
from practices.cases.forms import HandlingForm
from practices.exceptions import AccessRequestRefused
from practices.hub import access
from practices.hub.access_selectors import access_requests_pending_for
from practices.models import (
    AccessRequest,
    AuditEvent,
    CaseChange,
    CaseStudy,
    WebhookEndpoint,
    WebhookEvent,
)
from practices.sync import outbox as webhook_outbox
from practices.sync import signing
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_webhook_delivery(monkeypatch):
    """Events are written to the outbox (what these tests check); nothing is delivered."""
    monkeypatch.setattr(webhook_outbox, "webhook_events_enqueue", lambda pks: len(pks))


@pytest.fixture
def case(org, member) -> CaseStudy:
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        title="Forged ministry letters",
        tlp="amber",
        status="published",
        discoverable=True,
    )


@pytest.fixture
def third_org(db):
    return OrganisationFactory(name="Korean Test Office", short_name="KR TO", country="KR")


@pytest.fixture
def recipient(third_org, case):
    case.recipients.add(third_org)
    return UserFactory(organisation=third_org, email="member@third.test")


def _endpoint(organisation) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organisation=organisation,
        url="https://hooks.example.test/in",
        secret_encrypted=signing.secret_encrypt("whsec_test"),
        event_types=list(WebhookEndpoint.EventType.values),
    )


def _admin_client(person) -> Client:
    enrol_totp(person)
    client = Client()
    client.force_login(person)
    return client


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# --- Asking --------------------------------------------------------------------------------


def test_member_asks_with_a_reason_and_the_originating_admins_are_told(
    case, outsider, org_admin, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(outsider).post(
            reverse("practices:access-stub-detail", args=[case.uuid]),
            {"reason": "We see the same letters in Japan."},
        )
    access_request = AccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "practices:access-request-detail", args=[access_request.uuid]
    )
    assert access_request.organisation == outsider.organisation
    assert access_request.requested_by == outsider
    assert access_request.status == "pending"
    # Only the originating organisation's admins are asked; members are not.
    assert [m.to for m in mail.outbox] == [[org_admin.email]]
    assert "Japanese Test Office asks for access" in mail.outbox[0].body
    assert "We see the same letters in Japan." in mail.outbox[0].body
    audit = AuditEvent.objects.get(object_type="practices.accessrequest")
    assert audit.case_study_uuid == case.uuid
    assert audit.changes["access request"] == [None, "Japanese Test Office asked for access"]
    assert list(access_requests_pending_for(organisation=case.organisation)) == [access_request]


def test_a_reason_is_required_and_limited(case, outsider):
    client = _client(outsider)
    url = reverse("practices:access-stub-detail", args=[case.uuid])
    empty = client.post(url, {"reason": "   "})
    assert empty.status_code == 400
    assert "Say why your organisation needs this case." in empty.content.decode()
    long = client.post(url, {"reason": "x" * 2001})
    assert long.status_code == 400
    assert "Too long" in long.content.decode()
    with pytest.raises(AccessRequestRefused, match="a reason is required"):
        access.access_request_create(actor=outsider, case_study=case, reason="")
    assert not AccessRequest.objects.exists()


def _refusal(actor, case_study) -> str:
    with pytest.raises(AccessRequestRefused) as refused:
        access.access_request_create(actor=actor, case_study=case_study, reason="Need it.")
    assert not AccessRequest.objects.exists()
    return str(refused.value)


def test_refusals_save_nothing_and_say_why(org, case, outsider, member, recipient):
    strict = CaseStudyFactory(organisation=org, tlp="amber_strict", status="published")
    hidden = CaseStudyFactory(organisation=org, tlp="amber", status="published")
    draft = CaseStudyFactory(organisation=org, tlp="amber", status="submitted", discoverable=True)
    assert "AMBER+STRICT" in _refusal(outsider, strict)
    assert "not offered" in _refusal(outsider, hidden)
    assert "Only published cases" in _refusal(outsider, draft)
    assert "your organisation's own case" in _refusal(member, case)
    assert "recipient of this case already" in _refusal(recipient, case)
    from django.contrib.auth.models import AnonymousUser

    assert "Sign in" in _refusal(AnonymousUser(), case)


def test_a_second_pending_request_of_the_same_organisation_is_refused(case, outsider, other_org):
    colleague = UserFactory(organisation=other_org, email="colleague@other.test")
    access.access_request_create(actor=outsider, case_study=case, reason="First.")
    with pytest.raises(AccessRequestRefused, match="waits for a decision"):
        access.access_request_create(actor=colleague, case_study=case, reason="Second.")
    assert AccessRequest.objects.count() == 1
    # The database holds the rule too (two members asking at the very same moment).
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.create(case_study=case, organisation=other_org, reason="Third.")


def test_after_a_decline_the_organisation_may_ask_again(case, outsider, org_admin):
    first = access.access_request_create(actor=outsider, case_study=case, reason="First.")
    access.access_request_decline(actor=org_admin, access_request=first, note="Not yet.")
    again = access.access_request_create(actor=outsider, case_study=case, reason="Now?")
    assert again.status == "pending"


def test_visitors_are_sent_to_sign_in(case):
    for url in (
        reverse("practices:access-stub-list"),
        reverse("practices:access-stub-detail", args=[case.uuid]),
        reverse("practices:access-requests-ours"),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = Client().post(
        reverse("practices:access-stub-detail", args=[case.uuid]), {"reason": "x"}
    )
    assert response.status_code == 302
    assert not AccessRequest.objects.exists()


# --- Granting ------------------------------------------------------------------------------


@pytest.fixture
def pending(case, outsider) -> AccessRequest:
    return access.access_request_create(actor=outsider, case_study=case, reason="Same letters.")


def test_grant_makes_the_organisation_a_recipient_with_feed_webhook_mail_and_audit(
    case, pending, org_admin, outsider, outsider_admin, other_org, third_org,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    requester_hook = _endpoint(other_org)
    bystander_hook = _endpoint(third_org)
    colleague = UserFactory(organisation=other_org, email="colleague@other.test")
    feed_before = CaseChange.objects.count()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_client(org_admin).post(
            reverse("practices:access-request-decide", args=[pending.uuid]),
            {"decision": "grant", "note": "Welcome aboard."},
        )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "granted"
    assert pending.decided_by == org_admin and pending.decision_note == "Welcome aboard."
    assert other_org in case.recipients.all()
    assert CaseStudy.objects.visible_to(outsider).filter(pk=case.pk).exists()
    # One feed entry, whose audience now holds the requester.
    change = CaseChange.objects.order_by("-seq").first()
    assert CaseChange.objects.count() == feed_before + 1
    assert change.case_study_id == case.pk
    assert other_org.pk in set(change.audience.values_list("pk", flat=True))
    # The requester's endpoint gets case.published, as for any recipient addition; others none.
    events = list(WebhookEvent.objects.filter(endpoint=requester_hook))
    assert [e.event_type for e in events] == ["case.published"]
    assert events[0].payload["case"]["title"] == "Forged ministry letters"
    assert not WebhookEvent.objects.filter(endpoint=bystander_hook).exists()
    # Mail: the requester and their admin (decision), the originating admin (decision), and
    # the requester's other members (shared with your organisation).
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {
        outsider.email,
        outsider_admin.email,
        org_admin.email,
        colleague.email,
    }
    assert "granted your organisation's request" in by_person[outsider.email].body
    assert "Welcome aboard." in by_person[outsider.email].body
    assert "Estonian Test Office granted" in by_person[outsider.email].body
    assert "granted Japanese Test Office access" in by_person[org_admin.email].body
    assert "named your organisation as a recipient" in by_person[colleague.email].body
    # Audited: the recipient change on the case and the decision, in readable words.
    case_audit = AuditEvent.objects.filter(
        object_type="practices.casestudy", changes__has_key="recipients"
    ).get()
    assert case_audit.changes["recipients"] == [[], ["Japanese Test Office"]]
    decision = AuditEvent.objects.filter(
        object_type="practices.accessrequest", action="status"
    ).get()
    assert decision.changes["access request"][1] == "granted to Japanese Test Office"
    assert decision.actor == org_admin


def test_grant_mail_never_names_an_anonymised_originator(
    case, pending, org_admin, outsider, django_capture_on_commit_callbacks
):
    CaseStudy.objects.filter(pk=case.pk).update(attribution_mode="anonymised")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        access.access_request_grant(actor=org_admin, access_request=pending)
    to_requester = [m for m in mail.outbox if m.to == [outsider.email]]
    assert to_requester
    for message in to_requester:
        assert "Estonian Test Office" not in message.body
        assert "A partner organisation (Euro-Atlantic)" in message.body


def test_grant_keeps_an_open_revision_from_taking_the_access_away(
    case, pending, org_admin, member, other_org
):
    revision = revisions.revision_start(actor=member, case_study=case)
    access.access_request_grant(actor=org_admin, access_request=pending)
    revision.refresh_from_db()
    assert other_org.pk in revision.data["recipients"]
    case.refresh_from_db()
    assert case.version == revision.base_version  # the revision stays approvable


# --- Declining -----------------------------------------------------------------------------


def test_decline_stores_the_note_and_tells_both_sides_without_sharing(
    case, pending, org_admin, outsider, other_org, django_capture_on_commit_callbacks
):
    hook = _endpoint(other_org)
    feed_before = CaseChange.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_client(org_admin).post(
            reverse("practices:access-request-decide", args=[pending.uuid]),
            {"decision": "decline", "note": "Only for partners in the working group."},
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined"
    assert pending.decision_note == "Only for partners in the working group."
    assert other_org not in case.recipients.all()
    assert CaseChange.objects.count() == feed_before  # nothing changed on the case
    assert not WebhookEvent.objects.filter(endpoint=hook).exists()
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([outsider.email, org_admin.email])
    told = next(m for m in mail.outbox if m.to == [outsider.email])
    assert "declined your organisation's request" in told.body
    assert "Only for partners in the working group." in told.body
    assert AuditEvent.objects.filter(
        object_type="practices.accessrequest",
        action="status",
        changes__status=["pending", "declined"],
    ).exists()


def test_decline_needs_a_note(pending, org_admin):
    response = _admin_client(org_admin).post(
        reverse("practices:access-request-decide", args=[pending.uuid]),
        {"decision": "decline", "note": ""},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"
    with pytest.raises(AccessRequestRefused, match="a note is required"):
        access.access_request_decline(actor=org_admin, access_request=pending, note=" ")


def test_a_decided_request_cannot_be_decided_again(pending, org_admin):
    access.access_request_grant(actor=org_admin, access_request=pending)
    with pytest.raises(AccessRequestRefused, match="was granted by"):
        access.access_request_decline(actor=org_admin, access_request=pending, note="No.")


# --- Who may decide ------------------------------------------------------------------------


def test_only_the_originating_organisations_admins_decide(
    pending, member, outsider, outsider_admin, moderator, recipient
):
    detail = reverse("practices:access-request-detail", args=[pending.uuid])
    decide = reverse("practices:access-request-decide", args=[pending.uuid])
    moderator_admin = UserFactory(
        organisation=moderator.organisation, role=User.Role.ADMIN, is_moderator=True
    )
    for person in (member, moderator, recipient):
        client = _client(person)
        assert client.get(detail).status_code == 404, person
        assert client.post(decide, {"decision": "grant"}).status_code == 404, person
    for person in (outsider_admin, moderator_admin):
        client = _admin_client(person)
        assert client.post(decide, {"decision": "grant"}).status_code == 404, person
    # The requester's own side sees it, but cannot decide it.
    assert _client(outsider).get(detail).status_code == 200
    assert "Grant access" not in _client(outsider).get(detail).content.decode()
    assert Client().get(detail).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"
    for person in (member, outsider_admin, moderator):
        with pytest.raises(PermissionDenied):
            access.access_request_grant(actor=person, access_request=pending)


def test_incoming_page_lists_pending_requests_for_admins_only(
    case, pending, org_admin, member, outsider_admin
):
    url = reverse("practices:access-requests-incoming")
    html = _admin_client(org_admin).get(url).content.decode()
    assert "Forged ministry letters" in html and "Japanese Test Office" in html
    assert _client(member).get(url).status_code == 404
    other_view = _admin_client(outsider_admin).get(url).content.decode()
    assert "Forged ministry letters" not in other_view


def test_admin_pages_need_two_factor(pending, org_admin):
    client = _client(org_admin)  # no authenticator enrolled
    response = client.get(reverse("practices:access-requests-incoming"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    response = client.post(
        reverse("practices:access-request-decide", args=[pending.uuid]), {"decision": "grant"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_incoming_and_ours_make_a_constant_number_of_queries(
    org, org_admin, other_org, outsider, django_assert_max_num_queries
):
    def add(n: int) -> None:
        for i in range(n):
            c = CaseStudyFactory(
                organisation=org, tlp="amber", status="published", discoverable=True
            )
            asker = UserFactory(organisation=other_org)
            access.access_request_create(actor=asker, case_study=c, reason=f"Reason {i}")

    add(2)
    admin = _admin_client(org_admin)
    requester = _client(outsider)
    urls = [
        (admin, reverse("practices:access-requests-incoming")),
        (requester, reverse("practices:access-requests-ours")),
    ]
    counts = []
    for client, url in urls:
        with django_assert_max_num_queries(30) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    add(4)
    for (client, url), count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


# --- Withdrawing ---------------------------------------------------------------------------


def test_requesters_see_their_requests_and_withdraw_a_pending_one(
    case, pending, outsider, other_org, org_admin, member, django_capture_on_commit_callbacks
):
    colleague = UserFactory(organisation=other_org, email="colleague@other.test")
    ours = _client(colleague).get(reverse("practices:access-requests-ours")).content.decode()
    assert "Forged ministry letters" in ours and "Waiting for a decision" in ours
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(colleague).post(
            reverse("practices:access-request-withdraw", args=[pending.uuid])
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    assert [m.to for m in mail.outbox] == [[org_admin.email]]
    # The originator's side cannot withdraw it, nor decide it after.
    with pytest.raises(AccessRequestRefused, match="withdrawn"):
        access.access_request_grant(actor=org_admin, access_request=pending)
    assert (
        _client(member).post(reverse("practices:access-request-withdraw", args=[pending.uuid]))
    ).status_code == 404


# --- Discoverable on the case --------------------------------------------------------------


def _handling(case_study, **data):
    return HandlingForm(
        {"version": case_study.version, "attribution_mode": "named", **data},
        instance=case_study,
        current_terms=[],
        current_recipients=[],
        version=case_study.version,
    )


@pytest.mark.parametrize("tlp", ["clear", "green", "amber_strict"])
def test_the_case_form_refuses_discoverable_for_other_tlps(org, tlp):
    draft = CaseStudyFactory(organisation=org, status="draft", tlp="amber")
    form = _handling(draft, tlp=tlp, discoverable="on")
    assert not form.is_valid()
    assert "Only a TLP:AMBER case can be discoverable" in form.errors["discoverable"][0]
    assert _handling(draft, tlp="amber", discoverable="on").is_valid()


def test_discoverable_only_amber_in_database(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStudyFactory(organisation=org, tlp="amber_strict", discoverable=True)


def test_changing_the_tlp_away_from_amber_clears_discoverable(org, member):
    draft = CaseStudyFactory(organisation=org, status="draft", tlp="amber", discoverable=True)
    services.case_study_update(
        actor=member, case_study=draft, expected_version=draft.version, fields={"tlp": "green"}
    )
    draft.refresh_from_db()
    assert draft.tlp == "green" and draft.discoverable is False


def test_a_revision_changing_the_tlp_clears_discoverable_too(case, member):
    revision = revisions.revision_start(actor=member, case_study=case)
    revision = revisions.revision_update(
        actor=member, revision=revision, expected_version=revision.version,
        fields={"tlp": "amber_strict"},
    )  # fmt: skip
    assert revision.data["fields"]["discoverable"] is False


def test_the_owner_sets_discoverable_on_the_handling_page(org, member, outsider):
    draft = CaseStudyFactory(organisation=org, status="draft", tlp="amber", created_by=member)
    client = _client(member)
    url = reverse("practices:case-edit", args=[draft.uuid, "handling"])
    page = client.get(url).content.decode()
    assert "Discoverable" in page and "never your organisation" in page
    response = client.post(
        url,
        {"version": draft.version, "tlp": "amber", "attribution_mode": "named",
         "discoverable": "on", "recipients": [outsider.organisation.pk], "save": "1"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.discoverable is True
    refused = client.post(
        url,
        {"version": draft.version, "tlp": "green", "attribution_mode": "named",
         "discoverable": "on", "save": "1"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Only a TLP:AMBER case can be discoverable" in refused.content.decode()


def test_moderators_see_that_a_case_is_discoverable(case, moderator):
    html = _client(moderator).get(reverse("practices:case-detail", args=[case.uuid]))
    assert "Discoverable" in html.content.decode()


def test_token_sees_no_stub_in_the_api(case, other_org):
    _, secret = api_token_create(actor=None, organisation=other_org, name="mirror")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = client.get("/api/v1/cases/").json()
    assert str(case.uuid) not in str(body)
    assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 404


def test_the_deciding_side_of_a_request_needs_two_factor(pending, org_admin):
    response = _client(org_admin).get(
        reverse("practices:access-request-detail", args=[pending.uuid])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    page = _admin_client(org_admin).get(
        reverse("practices:access-request-detail", args=[pending.uuid])
    )
    assert page.status_code == 200 and "Grant access" in page.content.decode()


def test_operators_look_requests_up_in_the_admin_but_change_nothing_there(client, pending):
    from tests.factories import PASSWORD

    operator = User.objects.create_superuser(email="ops@example.test", password=PASSWORD)
    enrol_totp(operator)
    client.force_login(operator)
    listing = client.get(reverse("admin:practices_accessrequest_changelist"))
    change = client.get(reverse("admin:practices_accessrequest_change", args=[pending.pk]))
    assert listing.status_code == 200 and str(pending.uuid) in listing.content.decode()
    assert change.status_code == 200
    assert client.get(reverse("admin:practices_accessrequest_add")).status_code == 403
    deleted = client.post(
        reverse("admin:practices_accessrequest_delete", args=[pending.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert AccessRequest.objects.filter(pk=pending.pk).exists()


def test_moderators_review_making_a_published_case_discoverable(org, member, moderator):
    from practices.moderation.selectors import revision_diff

    published = CaseStudyFactory(organisation=org, tlp="amber", status="published")
    revision = revisions.revision_start(actor=member, case_study=published)
    revision = revisions.revision_update(
        actor=member, revision=revision, expected_version=revision.version,
        fields={"discoverable": True},
    )  # fmt: skip
    rows = revision_diff(case_study=published, revision=revision)
    assert [row["label"] for row in rows] == ["Discoverable"]
    assert "yes" in str(rows[0]["html"]) and "no" in str(rows[0]["html"])
    published.refresh_from_db()
    assert published.discoverable is False  # not until a moderator approves
    submitted = CaseStudyFactory(
        organisation=org, tlp="amber", status="submitted", discoverable=True
    )
    enrol_totp(moderator)
    page = _client(moderator).get(reverse("moderation:review", args=[submitted.uuid]))
    assert "once published, its stub" in page.content.decode()


# --- What each side learns of the other ---------------------------------------------------


def test_the_requester_never_learns_who_decided_for_an_anonymised_case(
    case, pending, org_admin, outsider
):
    case.attribution_mode = CaseStudy.AttributionMode.ANONYMISED
    case.save()
    org_admin.full_name = "Kadri Secret-Ministry"
    org_admin.save()
    access.access_request_decline(actor=org_admin, access_request=pending, note="Not now.")

    detail = _client(outsider).get(reverse("practices:access-request-detail", args=[pending.uuid]))
    with pytest.raises(AccessRequestRefused) as refused:
        access.access_request_withdraw(actor=outsider, access_request=pending)

    assert "Kadri" not in detail.content.decode()
    assert org_admin.email not in detail.content.decode()
    assert "declined on" in str(refused.value) and "Kadri" not in str(refused.value)
    # The deciding side is still told who decided.
    with pytest.raises(AccessRequestRefused, match="Kadri Secret-Ministry"):
        access.access_request_grant(actor=org_admin, access_request=pending)


def test_the_audit_trail_records_that_a_reason_and_a_note_were_given_not_their_text(
    case, pending, org_admin
):
    access.access_request_decline(actor=org_admin, access_request=pending, note="Too early.")

    trail = str(list(AuditEvent.objects.values_list("changes", flat=True)))

    assert "Same letters." not in trail
    assert "Too early." not in trail
    assert "given (13 characters)" in trail and "given (10 characters)" in trail
