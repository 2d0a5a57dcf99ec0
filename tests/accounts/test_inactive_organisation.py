"""People of a deactivated organisation: no sign-in, no session, and no "own organisation"
privilege anywhere — the same rule ``visible_to`` applies (they read like visitors)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from practices.cases import selectors as case_selectors
from practices.cases import services as case_services
from practices.cases.querysets import actor_moderates, actor_owns
from practices.cases.representation import CaseStudySerializer
from practices.models import CaseStudy, ModerationEvent
from practices.moderation import selectors as moderation_selectors
from practices.moderation import transitions
from practices.templatetags.workflow import case_workflow
from tests.factories import PASSWORD, CaseStudyFactory, OrganisationFactory, UserFactory


def _deactivate(organisation):
    organisation.is_active = False
    organisation.save(update_fields=["is_active"])


@pytest.fixture
def submitted_case(org, member):
    case = CaseStudyFactory(organisation=org, status="submitted", tlp="green")
    ModerationEvent.objects.create(
        case_study=case, actor=member, kind="comment", comment="Moderators only, please."
    )
    return case


def test_member_of_a_deactivated_organisation_cannot_sign_in(client, org, member):
    _deactivate(org)

    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    # Exactly what a deactivated person gets: allauth's "account inactive" page, no session.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    assert "_auth_user_id" not in client.session


def test_deactivated_person_and_person_of_deactivated_organisation_get_the_same_answer(org):
    inactive_person = UserFactory(organisation=org, email="gone@org.test", is_active=False)
    other = OrganisationFactory(name="Closed Office", short_name="CO")
    of_inactive_org = UserFactory(organisation=other, email="closed@co.test")
    _deactivate(other)

    answers = []
    for person in (inactive_person, of_inactive_org):
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": person.email, "password": PASSWORD}
        )
        answers.append((response.status_code, response.get("Location")))
        assert "_auth_user_id" not in client.session

    assert answers[0] == answers[1]


def test_open_session_stops_working_when_the_organisation_is_deactivated(client, org, member):
    client.force_login(member)
    assert client.get(reverse("practices:our-cases")).status_code == 200

    _deactivate(org)
    response = client.get(reverse("practices:our-cases"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_operator_outside_any_organisation_still_signs_in(client, db):
    User.objects.create_superuser(email="ops@example.test", password=PASSWORD)

    client.post(reverse("account_login"), {"login": "ops@example.test", "password": PASSWORD})

    assert "_auth_user_id" in client.session


def test_case_page_of_a_deactivated_organisation_shows_no_thread_to_its_former_member(
    org, member, submitted_case
):
    # The person is no longer signed in at all; even given the object (a stale reference in a
    # long request, a task), no surface treats them as the originator.
    _deactivate(org)
    member.refresh_from_db()
    request = RequestFactory().get("/")
    request.user = member

    assert not actor_owns(member, submitted_case)
    assert (
        list(moderation_selectors.case_study_history(actor=member, case_study=submitted_case)) == []
    )
    workflow = case_workflow({"request": request}, submitted_case)
    assert list(workflow["history"]) == []
    assert workflow["comment_url"] is None
    assert not workflow["can_withdraw"]


def test_no_ownership_surface_serves_a_member_of_a_deactivated_organisation(
    org, member, submitted_case
):
    draft = CaseStudyFactory(organisation=org, status="draft", tlp="green")
    _deactivate(org)
    member.refresh_from_db()

    assert not transitions.has_role(member, submitted_case, transitions.Role.ORIGINATOR)
    assert not transitions.allowed(member, draft, "submit")
    assert not transitions.can_comment(member, submitted_case)
    with pytest.raises(Http404):
        case_selectors.case_study_editable_get(actor=member, uuid=draft.uuid)
    with pytest.raises(PermissionDenied):
        case_services.case_study_delete(actor=member, case_study=draft)
    assert CaseStudy.objects.filter(pk=draft.pk).exists()
    case = CaseStudy.objects.with_originator_for(member).get(pk=submitted_case.pk)
    recipients = CaseStudySerializer(context={"actor": member}).get_recipients(case)
    assert recipients is None


def test_moderator_of_a_deactivated_organisation_moderates_nothing(submitted_case, moderator):
    assert actor_moderates(moderator)
    _deactivate(moderator.organisation)
    moderator.refresh_from_db()

    assert not actor_moderates(moderator)
    assert not transitions.allowed(moderator, submitted_case, "publish")
    assert (
        list(moderation_selectors.case_study_history(actor=moderator, case_study=submitted_case))
        == []
    )
    assert moderation_selectors.moderation_queue(actor=moderator, filters={}) == []


def test_admin_of_a_deactivated_organisation_administers_nothing(org, org_admin, member):
    from accounts import services as account_services
    from practices.sync import webhooks

    _deactivate(org)
    org_admin.refresh_from_db()

    with pytest.raises(PermissionDenied):
        account_services.member_set_role(actor=org_admin, member=member, role="admin")
    with pytest.raises(PermissionDenied):
        account_services.api_token_create(actor=org_admin, organisation=org, name="Sync")
    with pytest.raises(PermissionDenied):
        webhooks.webhook_endpoint_create(
            actor=org_admin, url="https://hooks.example.test/", event_types=["case.updated"]
        )
    member.refresh_from_db()
    assert member.role == User.Role.MEMBER
