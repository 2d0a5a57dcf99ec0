"""List pages make the same number of queries for 5 cases as for 50."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.models import Term
from tests.factories import CaseStudyFactory


@pytest.fixture
def vocabularies(db):
    call_command("load_vocabularies", stdout=io.StringIO())


def _make_cases(n, organisation, terms):
    for i in range(n):
        CaseStudyFactory(
            organisation=organisation,
            status="published",
            tlp="green",
            terms=terms,
            published_at=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
        )


def _count(client, url) -> int:
    # Cold each time: the facets of the unfiltered page come from a cached aggregate that the
    # change feed keys, and these factory-made cases bypass the feed.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        reverse("practices:case-list"),
        reverse("practices:case-list")
        + "?country=EE&region=euro-atlantic&tlp=green&q=incident&tag=disarm-red:T0002",
        reverse("practices:our-cases"),
    ],
)
def test_list_pages_query_count_does_not_grow(vocabularies, member, url, settings):
    settings.DEBUG = False
    terms = list(
        Term.objects.filter(
            taxonomy__slug__in=["country", "region"], code__in=["EE", "euro-atlantic"]
        )
    )
    terms.append(Term.objects.get(taxonomy__slug="disarm-red", code="T0002"))
    client = Client()
    client.force_login(member)

    _make_cases(5, member.organisation, terms)
    few = _count(client, url)
    _make_cases(45, member.organisation, terms)
    many = _count(client, url)

    assert few == many
