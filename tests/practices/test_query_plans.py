"""The list queries walk an index and can stop at their LIMIT, at any size (PostgreSQL only).

At test size PostgreSQL reads small tables sequentially and sorts whatever the indexes; with
sequential scans and sorts priced out of reach (``enable_seqscan``, ``enable_sort`` off) it
still chooses them when no index serves the query, so a plan with a sequential scan of the
case table, or a sort, means an index is missing. The plans at 100 000 cases are in
bench/README.md.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from practices.api.cases import readable_cases
from practices.discovery.filters import CaseStudyFilterSet
from practices.models import CaseChange, CaseStudy
from tests.factories import CaseStudyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CASE_SEQ_SCAN = re.compile(r"Seq Scan on practices_casestudy(\s|$)", re.MULTILINE)
SORT = re.compile(r"^\s*(->\s+)?(Incremental )?Sort\s+\(", re.MULTILINE)


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def readers(member, moderator, org, other_org):
    for status, tlp in [("published", "clear"), ("published", "green"), ("draft", "amber")]:
        CaseStudyFactory(organisation=other_org, status=status, tlp=tlp)
        CaseStudyFactory(organisation=org, status=status, tlp=tlp)
    CaseStudyFactory(organisation=other_org, status="published", tlp="amber", recipients=[org])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"visitor": AnonymousUser(), "member": member, "moderator": moderator}


@pytest.mark.parametrize("who", ["visitor", "member", "moderator"])
def test_the_browse_page_walks_its_order_index(readers, who, settings):
    settings.PUBLIC_VIEW_ENABLED = True
    filterset = CaseStudyFilterSet.for_reader(QueryDict(""), actor=readers[who])
    shown = plan(filterset.selection.ordered(filterset.qs)[:20])
    assert not CASE_SEQ_SCAN.search(shown), shown
    assert not SORT.search(shown), shown


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_the_api_list_and_its_cursor_walk_the_created_index(readers, who):
    cases = readable_cases(readers[who]).order_by("-created_at", "-id")
    for queryset in (cases[:51], cases.filter(created_at__lt=timezone.now())[:51]):
        shown = plan(queryset)
        assert not CASE_SEQ_SCAN.search(shown), shown
        assert not SORT.search(shown), shown


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_the_unfiltered_facets_read_the_readers_own_part_by_index(readers, who):
    filterset = CaseStudyFilterSet.for_reader(QueryDict(""), actor=readers[who])
    live = filterset.filtered().filter(tlp__in=["amber", "amber_strict", "red"]).values("pk")
    shown = plan(live)
    assert not CASE_SEQ_SCAN.search(shown), shown


def test_the_feed_reads_its_entries_by_sequence(readers):
    shown = plan(CaseChange.objects.filter(seq__gt=0).order_by("seq").values("seq")[:101])
    assert "Seq Scan" not in shown, shown
    assert CaseStudy.objects.count() == 7


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_a_search_walks_the_newest_published_cases_for_its_matches(readers, who, settings):
    # search._relevance_order's first query: the newest matches of a common word, in the
    # order of case_study_published_newest, so the walk stops at NEWEST_MATCHES.
    from practices.discovery.search import NEWEST_MATCHES, case_search, search_index_rebuild

    settings.PUBLIC_VIEW_ENABLED = True
    search_index_rebuild()
    filterset = CaseStudyFilterSet.for_reader(QueryDict(""), actor=readers[who])
    found = case_search(filterset.qs, "case", reader=readers[who])
    newest = found.order_by("-published_at", "-pk").values_list("pk", flat=True)
    shown = plan(newest[: NEWEST_MATCHES + 1])
    assert not CASE_SEQ_SCAN.search(shown), shown
    assert not SORT.search(shown), shown
    assert "case_study_published_newest" in shown, shown
