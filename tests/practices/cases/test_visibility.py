"""The visibility matrix of DESIGN.md, checked on every surface built from ``visible_to``.

Every actor × every TLP × every status × named/anonymised: the queryset, the browse list,
"our cases", the case page (404 when invisible), the attachment download, and what
anonymisation hides.
"""

from __future__ import annotations

import itertools
import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from practices.models import Attachment, CaseStudy
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

TLPS = ["clear", "green", "amber", "amber_strict"]
STATUSES = [s.value for s in CaseStudy.Status]
MODES = ["named", "anonymised"]
ACTORS = [
    "visitor",
    "origin_member",
    "origin_admin",
    "recipient_member",
    "other_member",
    "moderator",
    "deactivated",
]


def may_read(actor: str, tlp: str, status: str) -> bool:
    """DESIGN.md's table, written out independently of the queryset under test."""
    published = status == "published"
    if actor in ("visitor", "deactivated"):
        return published and tlp == "clear"
    if actor in ("origin_member", "origin_admin"):
        return True
    if actor == "moderator":
        return status != "draft"
    if actor == "recipient_member":
        return published
    if actor == "other_member":
        return published and tlp in ("clear", "green")
    raise AssertionError(actor)


def sees_originator(actor: str, mode: str) -> bool:
    return mode == "named" or actor in ("origin_member", "origin_admin", "moderator")


@pytest.fixture
def world(db):
    origin = OrganisationFactory(name="Originating Ministry", short_name="ORIG")
    recipient = OrganisationFactory(name="Recipient Agency", short_name="RCPT", country="JP")
    other = OrganisationFactory(name="Other Office", short_name="OTHR", country="CA")
    hub = OrganisationFactory(name="The Hub", short_name="HUB", partner_group="hub")
    people = {
        "origin_member": UserFactory(organisation=origin),
        "origin_admin": UserFactory(organisation=origin, role=User.Role.ADMIN),
        "recipient_member": UserFactory(organisation=recipient),
        "other_member": UserFactory(organisation=other),
        "moderator": UserFactory(organisation=hub, is_moderator=True),
        "deactivated": UserFactory(organisation=origin, is_active=False),
    }
    cases = {}
    for tlp, status, mode in itertools.product(TLPS, STATUSES, MODES):
        case = CaseStudyFactory(
            organisation=origin,
            title=f"Case {tlp} {status} {mode}",
            tlp=tlp,
            status=status,
            attribution_mode=mode,
            recipients=[recipient] if tlp in ("amber", "amber_strict") else [],
        )
        attachment = Attachment(
            case_study=case,
            filename="report.txt",
            content_type="text/plain",
            size=5,
            sha256="0" * 64,
        )
        attachment.file.save("x", ContentFile(b"hello"), save=True)
        cases[(tlp, status, mode)] = case
    return {"people": people, "cases": cases, "origin": origin}


def _client_for(world, actor: str) -> Client:
    client = Client()
    if actor != "visitor":
        client.force_login(world["people"][actor])
    return client


def _actor(world, actor: str):
    return AnonymousUser() if actor == "visitor" else world["people"][actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_queryset_matches_the_table(world, actor):
    visible = set(
        CaseStudy.objects.visible_to(_actor(world, actor)).values_list("title", flat=True)
    )

    expected = {
        case.title
        for (tlp, status, _), case in world["cases"].items()
        if may_read(actor, tlp, status) and actor != "deactivated"
    }
    assert visible == expected


@pytest.mark.parametrize("actor", ACTORS)
def test_case_pages_and_downloads_follow_the_table(world, actor):
    client = _client_for(world, actor)
    for (tlp, status, mode), case in world["cases"].items():
        label = f"{actor} / {tlp} / {status} / {mode}"
        page = client.get(reverse("practices:case-detail", args=[case.uuid]))
        attachment = case.attachments.get()
        download = client.get(
            reverse("practices:attachment-download", args=[case.uuid, attachment.uuid])
        )
        if may_read(actor, tlp, status):
            assert page.status_code == 200, label
            assert download.status_code == 200, label
            assert download["Content-Disposition"].startswith("attachment"), label
            assert download["X-Content-Type-Options"] == "nosniff", label
            assert b"".join(download.streaming_content) == b"hello", label
            html = page.content.decode()
            if sees_originator(actor, mode):
                assert "Originating Ministry" in html, label
            else:
                assert "Originating Ministry" not in html, label
                assert "ORIG" not in html, label
                assert "A partner organisation (Euro-Atlantic)" in html, label
        else:
            assert page.status_code == 404, label
            assert download.status_code == 404, label


@pytest.mark.parametrize("actor", ACTORS)
def test_browse_lists_exactly_the_visible_published_cases(world, actor):
    page = _client_for(world, actor).get(reverse("practices:case-list")).content.decode()

    for (tlp, status, _mode), case in world["cases"].items():
        listed = f">{case.title}<" in page
        assert listed == (status == "published" and may_read(actor, tlp, status)), case.title
    if actor not in ("origin_member", "origin_admin", "moderator"):
        # The originator of anonymised cases never appears, not even once in the page.
        named_visible = any(may_read(actor, tlp, "published") for tlp in TLPS)
        assert ("Originating Ministry" in page) == named_visible


@pytest.mark.parametrize("actor", ["origin_member", "origin_admin"])
def test_our_cases_lists_every_case_of_the_organisation(world, actor):
    page = _client_for(world, actor).get(reverse("practices:our-cases")).content.decode()

    for case in world["cases"].values():
        assert f">{case.title}<" in page


@pytest.mark.parametrize("actor", ["recipient_member", "other_member", "moderator"])
def test_our_cases_of_others_shows_none_of_the_originators_cases(world, actor):
    page = _client_for(world, actor).get(reverse("practices:our-cases")).content.decode()

    assert not any(f">{case.title}<" in page for case in world["cases"].values())


def test_unknown_and_invisible_cases_answer_the_same(world):
    client = _client_for(world, "other_member")
    draft = world["cases"][("amber", "draft", "named")]
    invisible = client.get(reverse("practices:case-detail", args=[draft.uuid]))
    missing = client.get(reverse("practices:case-detail", args=[uuid.uuid4()]))

    def without_csrf(response) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert invisible.status_code == missing.status_code == 404
    assert without_csrf(invisible) == without_csrf(missing)


def test_public_view_can_be_switched_off(world, settings):
    settings.PUBLIC_VIEW_ENABLED = False
    clear = world["cases"][("clear", "published", "named")]

    assert not CaseStudy.objects.visible_to(AnonymousUser()).exists()
    assert Client().get(reverse("practices:case-detail", args=[clear.uuid])).status_code == 404


def test_inactive_organisation_reads_nothing_but_public(world):
    world["origin"].is_active = False
    world["origin"].save()
    member = world["people"]["origin_member"]

    visible = CaseStudy.objects.visible_to(member)

    assert set(visible.values_list("tlp", "status")) == {("clear", "published")}


def test_removing_a_recipient_removes_access(world):
    amber = world["cases"][("amber", "published", "named")]
    reader = world["people"]["recipient_member"]
    assert CaseStudy.objects.visible_to(reader).filter(pk=amber.pk).exists()

    amber.recipients.clear()

    assert not CaseStudy.objects.visible_to(reader).filter(pk=amber.pk).exists()
