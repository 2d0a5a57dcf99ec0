"""Case links: who may link and unlink, the messages of a refused link, the audit trail, a link
shown only to readers of both cases (and hidden when one end becomes unreadable), the page's
form and the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import User
from practices.exceptions import LinkExists, LinkRefused
from practices.insights.links import case_link_list
from practices.insights.services import case_link_create, case_link_delete
from practices.models import AuditEvent, CaseLink, CaseStudy
from tests.conftest import enrol_totp
from tests.factories import PASSWORD, CaseStudyFactory
from tests.practices.api.test_api_cases import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


SAME, AMPLIFIED, ADAPTED = "same_narrative", "amplified", "response_adapted_from"


@pytest.fixture
def cases(org, other_org, recipient):
    third = recipient.organisation
    return {
        "own": CaseStudyFactory(title="Own green", organisation=org, tlp="green"),
        "own draft": CaseStudyFactory(title="Own draft", organisation=org, status="draft"),
        "other": CaseStudyFactory(title="Other green", organisation=other_org, tlp="green"),
        "clear": CaseStudyFactory(title="Other clear", organisation=other_org, tlp="clear"),
        "amber": CaseStudyFactory(
            title="Amber for the third office",
            organisation=other_org,
            tlp="amber",
            recipients=[third],
        ),
        "strict": CaseStudyFactory(
            title="Strict of the third office", organisation=third, tlp="amber_strict"
        ),
        "draft": CaseStudyFactory(title="Third draft", organisation=third, status="draft"),
    }


def link(actor, cases, a, b, kind=SAME, note=""):
    return case_link_create(actor=actor, from_case=cases[a], to_case=cases[b], kind=kind, note=note)


def shown_titles(actor, case):
    return [(s.label, s.other.title) for s in case_link_list(actor=actor, case_study=case)]


# --- Who may link, and the messages -------------------------------------------------------


def test_a_member_links_their_organisations_case_and_it_is_audited(cases, member):
    made = link(member, cases, "own", "other", AMPLIFIED, note="Same memes, a week later.")
    assert made.created_by == member and made.organisation == member.organisation
    event = AuditEvent.objects.get(object_type="practices.caselink")
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == member
    assert event.object_id == str(made.uuid)
    assert event.case_study_uuid == cases["own"].uuid
    assert event.changes["to_case"] == [None, str(cases["other"].uuid)]
    assert event.changes["kind"] == [None, AMPLIFIED]
    assert "Own green" not in event.object_repr  # titles stay out of the trail


def test_a_member_may_link_from_a_draft_of_their_own(cases, member):
    assert link(member, cases, "own draft", "clear").pk


def test_a_member_may_not_link_another_organisations_case(cases, member):
    with pytest.raises(PermissionDenied, match="Only members of the case's organisation"):
        link(member, cases, "other", "own")


@pytest.mark.parametrize("target", ["amber", "strict", "draft"])
def test_a_case_the_linker_may_not_read_is_refused_as_if_missing(cases, member, target):
    with pytest.raises(LinkRefused, match="No case you may read has this address") as refused:
        link(member, cases, "own", target)
    assert refused.value.field == "to_case"
    with pytest.raises(LinkRefused, match="No case you may read has this address"):
        case_link_create(actor=member, from_case=cases["own"], to_case=None, kind=SAME)
    assert not CaseLink.objects.exists()
    assert not AuditEvent.objects.filter(object_type="practices.caselink").exists()


def test_a_case_is_not_linked_to_itself_nor_twice_the_same_way(cases, member):
    with pytest.raises(LinkRefused, match="A case cannot be linked to itself"):
        link(member, cases, "own", "own")
    link(member, cases, "own", "other", SAME)
    with pytest.raises(LinkExists, match="These cases are already linked this way"):
        link(member, cases, "own", "other", SAME)
    link(member, cases, "own", "other", AMPLIFIED)  # another kind is another link
    assert CaseLink.objects.count() == 2


def test_an_unknown_kind_is_refused(cases, member):
    with pytest.raises(LinkRefused, match="Choose how the cases are related") as refused:
        link(member, cases, "own", "other", "inspired")
    assert refused.value.field == "kind"


def test_a_moderator_links_any_two_cases_they_may_read(cases, moderator):
    assert link(moderator, cases, "other", "amber", ADAPTED).pk
    with pytest.raises(LinkRefused, match="No case you may read"):
        link(moderator, cases, "other", "draft")  # another organisation's draft


# --- Who sees a link ------------------------------------------------------------------------


def test_a_link_shows_only_to_readers_of_both_cases(cases, moderator, member, recipient, outsider):
    link(moderator, cases, "other", "amber", AMPLIFIED)
    other, amber = cases["other"], cases["amber"]
    assert shown_titles(member, other) == []  # may read "other", not the AMBER case
    assert shown_titles(AnonymousUser(), cases["clear"]) == []
    assert shown_titles(recipient, other) == [("Amplified", "Amber for the third office")]
    assert shown_titles(recipient, amber) == [("Amplified by", "Other green")]
    assert shown_titles(outsider, other) == [("Amplified", "Amber for the third office")]
    assert shown_titles(moderator, amber) == [("Amplified by", "Other green")]


def test_a_link_is_hidden_once_one_end_becomes_unreadable(cases, member, outsider):
    link(member, cases, "own", "other", SAME)
    assert shown_titles(outsider, cases["other"]) == [("Same narrative as", "Own green")]
    CaseStudy.objects.filter(pk=cases["other"].pk).update(tlp="amber")  # no recipient
    assert shown_titles(member, cases["own"]) == []
    client = Client()
    client.force_login(member)
    html = client.get(reverse("practices:case-detail", args=[cases["own"].uuid])).content.decode()
    assert "Other green" not in html


def test_a_links_query_count_does_not_grow_with_its_links(cases, org, member):
    link(member, cases, "own", "other")
    with CaptureQueriesContext(connection) as few:
        case_link_list(actor=member, case_study=cases["own"])
    for n in range(10):
        target = CaseStudyFactory(title=f"Target {n}", tlp="green")
        case_link_create(actor=member, from_case=cases["own"], to_case=target, kind=AMPLIFIED)
    with CaptureQueriesContext(connection) as many:
        assert len(case_link_list(actor=member, case_study=cases["own"])) == 11
    assert len(many) == len(few) == 2


# --- Removing -------------------------------------------------------------------------------


def test_the_linking_organisation_and_moderators_remove_a_link(cases, member, outsider, moderator):
    made = link(member, cases, "own", "other")
    with pytest.raises(PermissionDenied, match="Only the organisation that made this link"):
        case_link_delete(actor=outsider, link=made)
    case_link_delete(actor=member, link=made)
    assert not CaseLink.objects.exists()
    event = AuditEvent.objects.get(object_type="practices.caselink", action="delete")
    assert event.changes["from_case"] == [str(cases["own"].uuid), None]
    again = link(member, cases, "own", "other")
    case_link_delete(actor=moderator, link=again)
    assert not CaseLink.objects.exists()


# --- The case page --------------------------------------------------------------------------


def test_the_page_links_a_case_and_shows_it_at_both_ends(cases, member, outsider):
    client = Client()
    client.force_login(member)
    own, other = cases["own"], cases["other"]
    page = client.get(reverse("practices:case-detail", args=[own.uuid])).content.decode()
    assert "Link this case to another" in page
    response = client.post(
        reverse("practices:case-link-create", args=[own.uuid]),
        {"kind": AMPLIFIED, "to_case": f"http://testserver/cases/{other.uuid}/", "note": ""},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{own.uuid}/#links")
    page = client.get(response["Location"]).content.decode()
    assert "The cases are linked." in page
    assert "Amplified:" in page and "Other green" in page and "Remove link" in page
    client.force_login(outsider)
    page = client.get(reverse("practices:case-detail", args=[other.uuid])).content.decode()
    assert "Amplified by:" in page and "Own green" in page
    assert "Remove link" not in page  # not their link
    assert "Link this case to another" in page  # their own organisation's case


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("not an address", "Enter the address of a case page, or a case&#x27;s identifier."),
        ("00000000-0000-4000-8000-000000000000", "No case you may read has this address."),
        ("amber", "No case you may read has this address."),
        ("own", "A case cannot be linked to itself."),
    ],
)
def test_the_form_says_what_to_correct(cases, member, address, message):
    if address in cases:
        address = str(cases[address].uuid)
    client = Client()
    client.force_login(member)
    response = client.post(
        reverse("practices:case-link-create", args=[cases["own"].uuid]),
        {"kind": SAME, "to_case": address},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'class="error-summary"' in html
    assert 'href="#id_to_case"' in html


def test_the_form_is_not_offered_to_readers_who_may_not_link(cases, member, outsider):
    client = Client()
    client.force_login(member)
    url = reverse("practices:case-detail", args=[cases["other"].uuid])
    assert "Link this case to another" not in client.get(url).content.decode()
    response = client.post(
        reverse("practices:case-link-create", args=[cases["other"].uuid]),
        {"kind": SAME, "to_case": str(cases["own"].uuid)},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("practices:case-link-create", args=[cases["amber"].uuid]),
        {"kind": SAME, "to_case": str(cases["own"].uuid)},
    )
    assert response.status_code == 404  # may not read it: as if it did not exist


def test_a_moderator_needs_two_factor_to_link_others_cases(cases, moderator):
    client = Client()
    client.force_login(moderator)
    url = reverse("practices:case-link-create", args=[cases["other"].uuid])
    data = {"kind": SAME, "to_case": str(cases["clear"].uuid)}
    assert client.post(url, data).status_code == 403
    enrol_totp(moderator)
    assert client.post(url, data).status_code == 302


def test_the_page_removes_a_link(cases, member):
    made = link(member, cases, "own", "other")
    client = Client()
    client.force_login(member)
    response = client.post(
        reverse("practices:case-link-delete", args=[cases["own"].uuid, made.uuid])
    )
    assert response.status_code == 302
    assert not CaseLink.objects.exists()


# --- API ------------------------------------------------------------------------------------


def test_the_api_links_lists_and_removes(cases, org, other_org):
    writer = bearer(org, write=True)
    own, other = cases["own"], cases["other"]
    created = writer.post(
        f"/api/v1/cases/{own.uuid}/links/",
        {"to_case": str(other.uuid), "kind": ADAPTED, "note": "Their plan, translated."},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["direction"] == "outgoing" and body["kind"] == ADAPTED
    assert body["case"]["uuid"] == str(other.uuid) and body["removable"] is True
    assert body["case"]["originator"]["name"] == other_org.name

    incoming = bearer(other_org).get(f"/api/v1/cases/{other.uuid}/links/").json()["results"]
    assert [(r["direction"], r["case"]["uuid"], r["removable"]) for r in incoming] == [
        ("incoming", str(own.uuid), False)
    ]
    again = writer.post(
        f"/api/v1/cases/{own.uuid}/links/",
        {"to_case": str(other.uuid), "kind": ADAPTED},
        format="json",
    )
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")

    gone = writer.delete(f"/api/v1/cases/{own.uuid}/links/{body['uuid']}/")
    assert gone.status_code == 204
    assert writer.get(f"/api/v1/cases/{own.uuid}/links/").json()["results"] == []
    assert writer.delete(f"/api/v1/cases/{own.uuid}/links/{body['uuid']}/").status_code == 404


def test_the_api_refuses_with_the_services_messages(cases, org):
    writer = bearer(org, write=True)
    own = cases["own"]
    hidden = writer.post(
        f"/api/v1/cases/{own.uuid}/links/",
        {"to_case": str(cases["amber"].uuid), "kind": SAME},
        format="json",
    )
    assert hidden.status_code == 404  # as for a case that does not exist
    assert hidden.json()["detail"] == "No case you may read has this address."
    not_an_address = writer.post(
        f"/api/v1/cases/{own.uuid}/links/", {"to_case": "yesterday's", "kind": SAME}, format="json"
    )
    assert not_an_address.status_code == 400
    assert not_an_address.json()["errors"]["to_case"] == [
        "Enter the address of a case page, or a case's identifier."
    ]
    itself = writer.post(
        f"/api/v1/cases/{own.uuid}/links/", {"to_case": str(own.uuid), "kind": SAME}, format="json"
    )
    assert itself.status_code == 400
    assert itself.json()["errors"]["to_case"] == ["A case cannot be linked to itself."]
    bad_kind = writer.post(
        f"/api/v1/cases/{own.uuid}/links/",
        {"to_case": str(cases["other"].uuid), "kind": "inspired"},
        format="json",
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["errors"]
    not_theirs = writer.post(
        f"/api/v1/cases/{cases['other'].uuid}/links/",
        {"to_case": str(own.uuid), "kind": SAME},
        format="json",
    )
    assert not_theirs.status_code == 403
    read_only = bearer(org).post(
        f"/api/v1/cases/{own.uuid}/links/",
        {"to_case": str(cases["other"].uuid), "kind": SAME},
        format="json",
    )
    assert read_only.status_code == 403


def test_the_api_answers_404_for_a_case_or_link_the_caller_may_not_see(cases, org, moderator):
    made = link(moderator, cases, "other", "amber", AMPLIFIED)
    client = bearer(org, write=True)
    assert client.get(f"/api/v1/cases/{cases['amber'].uuid}/links/").status_code == 404
    assert client.get(f"/api/v1/cases/{cases['other'].uuid}/links/").json()["results"] == []
    response = client.delete(f"/api/v1/cases/{cases['other'].uuid}/links/{made.uuid}/")
    assert response.status_code == 404
    assert APIClient().get(f"/api/v1/cases/{cases['other'].uuid}/links/").status_code == 401


def test_the_link_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    links = paths["/api/v1/cases/{uuid}/links/"]
    assert links["get"]["operationId"] == "cases_links_list"
    assert links["post"]["operationId"] == "cases_links_create"
    assert {"201", "400", "403", "404"} <= set(links["post"]["responses"])
    detail = paths["/api/v1/cases/{uuid}/links/{link_uuid}/"]["delete"]
    assert detail["operationId"] == "cases_links_destroy"
    assert "204" in detail["responses"]


def test_operators_find_links_in_the_admin_but_do_not_make_them_there(client, cases, member):
    made = link(member, cases, "own", "other")
    operator = User.objects.create_superuser(email="ops@example.test", password=PASSWORD)
    enrol_totp(operator)
    client.force_login(operator)

    listing = client.get(reverse("admin:practices_caselink_changelist"))
    change = client.get(reverse("admin:practices_caselink_change", args=[made.pk]))
    add = client.get(reverse("admin:practices_caselink_add"))

    assert listing.status_code == 200
    assert str(made.to_case.uuid) in listing.content.decode()
    assert change.status_code == 200
    assert add.status_code == 403
