"""``field__any=ids``: one array parameter instead of one placeholder per id."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import CaseStudy, Taxonomy, Term
from tests.factories import CaseStudyFactory

pytestmark = pytest.mark.django_db


def test_any_matches_exactly_the_listed_ids_with_one_parameter(org):
    cases = [CaseStudyFactory(organisation=org) for _ in range(4)]
    wanted = [cases[2].pk, cases[0].pk, 10**12]  # an unknown id matches nothing
    with CaptureQueriesContext(connection) as queries:
        found = set(CaseStudy.objects.filter(pk__any=wanted).values_list("pk", flat=True))
    assert found == {cases[0].pk, cases[2].pk}
    assert str(cases[2].pk) not in queries[0]["sql"].split("WHERE")[0]
    assert not CaseStudy.objects.filter(pk__any=[]).exists()


def test_any_on_a_foreign_key_and_inside_a_subquery(org):
    taxonomy = Taxonomy.objects.create(slug="theme", name="Theme")
    term = Term.objects.create(taxonomy=taxonomy, code="health", label="Health")
    tagged, other = CaseStudyFactory(organisation=org), CaseStudyFactory(organisation=org)
    tagged.terms.add(term)
    other.terms.add(term)
    links = CaseStudy.terms.through.objects.filter(casestudy_id__any=[tagged.pk])
    assert list(links.values_list("casestudy_id", flat=True)) == [tagged.pk]
    # Inside a subquery Django renames the inner table; the lookup follows.
    inner = CaseStudy.objects.filter(pk__any=[other.pk]).values("pk")
    outer = CaseStudy.terms.through.objects.filter(casestudy_id__in=inner)
    assert list(outer.values_list("casestudy_id", flat=True)) == [other.pk]
