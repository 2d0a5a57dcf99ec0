"""The CSV export of a result list: the same search, filters and visibility as the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from practices.models import AuditEvent, CaseStudy
from tests.factories import OrganisationFactory
from tests.practices.sync.test_feed import draft_case, published_case

pytestmark = pytest.mark.django_db
URL = "/cases/export.csv"


def rows(client: Client, **params) -> list[dict]:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_export_holds_exactly_the_visible_published_cases(outsider, moderator, member):
    shared = published_case(outsider, moderator, title="Shared green")
    published_case(
        outsider,
        moderator,
        title="Amber for someone else",
        tlp=CaseStudy.TLP.AMBER,
        recipients=[OrganisationFactory(name="Elsewhere")],
    )
    draft_case(outsider, title="Draft of another organisation")
    exported = rows(signed_in(member))
    assert [row["Title"] for row in exported] == ["Shared green"]
    assert exported[0]["UUID"] == str(shared.uuid)
    assert exported[0]["Link"].endswith(reverse("practices:case-detail", args=[shared.uuid]))


def test_recipients_see_the_amber_case_addressed_to_them(outsider, moderator, member):
    published_case(
        outsider,
        moderator,
        title="Amber for us",
        tlp=CaseStudy.TLP.AMBER,
        recipients=[member.organisation],
    )
    exported = rows(signed_in(member))
    assert [(r["Title"], r["TLP"]) for r in exported] == [("Amber for us", "TLP:AMBER")]
    assert "Recipients" not in exported[0]


def test_anonymised_originator_stays_hidden(outsider, moderator, member):
    published_case(
        outsider,
        moderator,
        title="Anonymised",
        attribution_mode=CaseStudy.AttributionMode.ANONYMISED,
    )
    exported = rows(signed_in(member))
    assert exported[0]["Originator"].startswith("A partner organisation (")
    assert outsider.organisation.name not in str(exported)
    assert rows(signed_in(outsider))[0]["Originator"] == outsider.organisation.name


def test_search_and_filters_apply(outsider, moderator, member):
    published_case(outsider, moderator, title="Harbour fire video")
    published_case(outsider, moderator, title="Ballot rumours")
    assert [r["Title"] for r in rows(signed_in(member), q="harbour")] == ["Harbour fire video"]
    assert rows(signed_in(member), tag="country:XX") == []


def test_cells_that_look_like_formulas_are_neutralised(outsider, moderator, member):
    published_case(outsider, moderator, title='=HYPERLINK("http://x")')
    assert rows(signed_in(member))[0]["Title"].startswith("'=")


def test_each_export_is_audited(outsider, moderator, member):
    published_case(outsider, moderator, title="Audited")
    rows(signed_in(member), q="audited")
    event = AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD).latest("id")
    assert event.actor == member
    assert "audited" in str(event.changes)


def test_visitors_follow_the_public_view_rule(outsider, moderator, settings):
    published_case(outsider, moderator, title="Public", tlp=CaseStudy.TLP.CLEAR)
    published_case(outsider, moderator, title="Green only for members")
    settings.PUBLIC_VIEW_ENABLED = True
    assert [r["Title"] for r in rows(Client())] == ["Public"]
    settings.PUBLIC_VIEW_ENABLED = False
    assert Client().get(URL).status_code == 302


@pytest.mark.parametrize("params", [{"tag": "foo"}, {"tlp": "red"}, {"country": "JP,KR"}])
def test_a_download_with_a_filter_that_is_not_valid_is_refused(outsider, moderator, member, params):
    """The page leaves a bad value out and says so; a file would silently hold more."""
    published_case(outsider, moderator, title="Shared case")
    response = signed_in(member).get(reverse("practices:case-list-csv"), params)
    assert response.status_code == 400
    assert "This download's filters are not valid" in response.content.decode()
