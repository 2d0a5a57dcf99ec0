"""A common search read from its matches of the newest months (``practices.discovery.window``)
finds exactly what the whole walk finds, for every reader, wherever the window starts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from practices.cases import selectors
from practices.discovery import search, window
from practices.discovery.search import case_search, search_index_update
from practices.models import CaseSearchDocument, CaseStudy
from tests.factories import OrganisationFactory
from tests.practices.sync.test_feed import draft_case, published_case

pytestmark = pytest.mark.django_db

TLPS = [CaseStudy.TLP.CLEAR, CaseStudy.TLP.GREEN, CaseStudy.TLP.AMBER]


@pytest.fixture
def year_of_drones(outsider, moderator, member):
    """Twelve published "drone" cases of another organisation, one a month through 2025, of
    TLPs each reader sees differently (the AMBER ones naming ``member``'s organisation every
    other time),
    and one draft."""
    ids = []
    third = OrganisationFactory(name="Korean Test Office", short_name="KR TO", country="KR")
    for number in range(12):
        tlp = TLPS[number % 3]
        named = [member.organisation if number % 2 else third] if tlp == TLPS[2] else []
        case = published_case(
            outsider, moderator, title=f"Drone report {number}", tlp=tlp, recipients=named
        )
        published = datetime(2025, number + 1, 15, 12, tzinfo=UTC)
        CaseStudy.objects.filter(pk=case.pk).update(published_at=published)
        ids.append(case.pk)
    search_index_update(ids)  # as the publishing transaction writes it
    draft_case(outsider, title="Drone report draft")
    return ids


@pytest.fixture
def undated(outsider, moderator):
    """A published case without a publication time (an edit that bypassed the approval)."""
    case = published_case(outsider, moderator, title="Drone report undated")
    CaseStudy.objects.filter(pk=case.pk).update(published_at=None)
    search_index_update([case.pk])
    return case


def test_a_document_holds_the_month_its_case_was_published(outsider, moderator):
    case = published_case(outsider, moderator, title="Drone report")
    draft = draft_case(outsider, title="Drone draft")
    documents = CaseSearchDocument.objects.in_bulk([case.pk, draft.pk])
    assert documents[case.pk].published_month == window.month_number(case.published_at)
    assert documents[draft.pk].published_month is None


def test_a_published_case_without_a_publication_time_is_within_every_window(undated):
    document = CaseSearchDocument.objects.get(case_study=undated)
    assert document.published_month == window.UNDATED
    assert window.publication_histogram() == {}  # not counted in any month


def test_months_count_from_the_year_zero_in_utc():
    assert window.month_number(datetime(2025, 1, 31, 23, tzinfo=UTC)) == 2025 * 12
    assert window.month_number(None) is None
    for number in (2025 * 12, 2025 * 12 + 11, 2026 * 12 + 5):
        assert window.month_number(window.month_start(number)) == number
        assert window.month_start(number).day == 1


def test_only_lists_of_published_cases_may_use_a_window(member):
    published = CaseStudy.objects.published()
    assert window.published_only(selectors.case_study_list(actor=member))
    assert window.published_only(published.filter(tlp=CaseStudy.TLP.GREEN))
    assert window.published_only(case_search(published, "drone"))
    # Lists that may hold cases never published, which come first in a search's order.
    assert not window.published_only(CaseStudy.objects.visible_to(member))
    assert not window.published_only(selectors.case_study_list(actor=member, published_only=False))
    assert not window.published_only(CaseStudy.objects.exclude(status=CaseStudy.Status.PUBLISHED))
    either = Q(status=CaseStudy.Status.PUBLISHED) | Q(tlp=CaseStudy.TLP.CLEAR)
    assert not window.published_only(CaseStudy.objects.filter(either))


def test_the_window_is_as_wide_as_the_readers_share_needs(
    year_of_drones, member, moderator, monkeypatch
):
    months = sorted(window.month_number(datetime(2025, m, 1, tzinfo=UTC)) for m in range(1, 13))
    monkeypatch.setattr(window, "COMMON", 1)
    # A moderator sees every TLP whole: the newest 3 publications are enough for a bound of 3.
    assert window.window_start(moderator, bound=3) == months[-3]
    # A member sees CLEAR and GREEN whole, two thirds of them: 3 × 3/2 rounds up to 5.
    assert window.window_start(member, bound=3) == months[-5]
    # More than half of what is published: not worth a window.
    assert window.window_start(member, bound=5) is None
    # A visitor sees a third whole: the window would hold nine of twelve.
    assert window.window_start(AnonymousUser(), bound=3) is None


def test_no_window_without_published_cases(outsider, member, monkeypatch):
    monkeypatch.setattr(window, "COMMON", 1)
    draft_case(outsider, title="Drone report draft")
    assert window.publication_histogram() == {}
    assert window.window_start(member, bound=3) is None


@pytest.mark.postgres
def test_a_window_finds_what_the_whole_walk_finds_for_every_reader_and_start(
    year_of_drones, undated, outsider, moderator, member, monkeypatch
):
    # Whatever the planner would choose on so small a table, read through the window.
    monkeypatch.setattr(search, "_gathers_every_match", lambda query: True)
    first = window.month_number(datetime(2025, 1, 1, tzinfo=UTC))
    readers = {"visitor": AnonymousUser(), "member": member, "moderator": moderator}
    readers["author"] = outsider
    windowed = 0
    for name, reader in readers.items():
        found = case_search(selectors.case_study_list(actor=reader), "drone", reader=reader)
        for bound in (1, 3, 5, 20):
            monkeypatch.setattr(search, "NEWEST_MATCHES", bound)
            whole = search._relevance_order(found)
            assert whole[0], name
            for start in range(first - 1, first + 14):
                with CaptureQueriesContext(connection) as queries:
                    assert search._relevance_order(found, window=start) == whole, (
                        name,
                        bound,
                        start,
                    )
                windowed += any("published_month" in q["sql"] for q in queries.captured_queries)
    assert windowed == 4 * 4 * 15  # every one of them read through the window


@pytest.mark.postgres
def test_a_search_gathering_every_match_is_told_apart_from_a_walk_newest_first(
    year_of_drones, member
):
    found = case_search(selectors.case_study_list(actor=member), "drone", reader=member)
    query = search._newest_sql(found)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        assert search._gathers_every_match(query)  # the GIN index, then a bitmap scan
        cursor.execute("SET LOCAL enable_indexscan = on")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        assert not search._gathers_every_match(query)


@pytest.mark.postgres
def test_a_search_uses_the_window_and_still_finds_the_newest(
    year_of_drones, moderator, monkeypatch
):
    """Through ``search_matches``, as the browse page asks: the window is read, and the
    matches are those of the whole walk."""
    monkeypatch.setattr(search, "NEWEST_MATCHES", 4)
    monkeypatch.setattr(search, "_gathers_every_match", lambda query: True)
    monkeypatch.setattr(window, "COMMON", 1)
    listed = selectors.case_study_list(actor=moderator)
    with CaptureQueriesContext(connection) as queries:
        kept = search.search_matches(listed, "drone report", reader=moderator)
    assert any("published_month" in q["sql"] for q in queries.captured_queries)
    newest = CaseStudy.objects.filter(pk__in=year_of_drones).order_by("-published_at")[:4]
    assert sorted(c.pk for c in kept) == sorted(c.pk for c in newest)
    assert kept.cut
    cache.clear()
    monkeypatch.setattr(search, "window_start", lambda reader, bound: None)
    with CaptureQueriesContext(connection) as queries:
        whole = search.search_matches(listed, "drone report", reader=moderator)
    assert not any("published_month" in q["sql"] for q in queries.captured_queries)
    assert [c.pk for c in kept] == [c.pk for c in whole]  # in the same order


# --- A visitor's search reads only the CLEAR documents from the index ------------------------


def test_a_document_holds_its_cases_tlp_through_edits_and_revisions(outsider, moderator):
    from practices.cases import services
    from tests.practices.sync.test_feed import revise

    def tlp_of(case):
        return CaseSearchDocument.objects.get(case_study=case).tlp

    draft = draft_case(outsider, title="Drone draft", tlp=CaseStudy.TLP.CLEAR)
    assert tlp_of(draft) == CaseStudy.TLP.CLEAR
    draft = services.case_study_update(
        actor=outsider,
        case_study=draft,
        expected_version=draft.version,
        fields={"tlp": CaseStudy.TLP.GREEN},
    )
    assert tlp_of(draft) == CaseStudy.TLP.GREEN
    case = published_case(outsider, moderator, title="Drone report", tlp=CaseStudy.TLP.GREEN)
    revise(case, author=outsider, moderator=moderator, fields={"tlp": CaseStudy.TLP.CLEAR})
    case.refresh_from_db()
    assert case.tlp == tlp_of(case) == CaseStudy.TLP.CLEAR


def test_only_a_visitor_has_their_search_narrowed_to_tlps(member, moderator):
    assert search._only_tlps(AnonymousUser()) == [CaseStudy.TLP.CLEAR]
    # Signed in, a reader also reads their organisation's and their recipient cases.
    assert search._only_tlps(member) is None
    assert search._only_tlps(moderator) is None


@pytest.mark.postgres
def test_a_visitors_search_read_from_the_clear_documents_finds_what_the_whole_walk_finds(
    year_of_drones, undated, monkeypatch
):
    # Whatever the planner would choose on so small a table, read through the narrowing.
    monkeypatch.setattr(search, "_gathers_every_match", lambda query: True)
    visitor = AnonymousUser()
    found = case_search(selectors.case_study_list(actor=visitor), "drone", reader=visitor)
    for bound in (1, 3, 20):
        monkeypatch.setattr(search, "NEWEST_MATCHES", bound)
        whole = search._relevance_order(found)
        assert whole[0]
        with CaptureQueriesContext(connection) as queries:
            assert search._relevance_order(found, tlps=[CaseStudy.TLP.CLEAR]) == whole
        assert any(
            '"practices_casesearchdocument"."tlp" IN' in q["sql"] for q in queries.captured_queries
        )
    # Through search_matches, as the browse page asks.
    monkeypatch.setattr(search, "NEWEST_MATCHES", 2000)
    with CaptureQueriesContext(connection) as queries:
        kept = search.search_matches(
            selectors.case_study_list(actor=visitor), "drone report", reader=visitor
        )
    assert any(
        '"practices_casesearchdocument"."tlp" IN' in q["sql"] for q in queries.captured_queries
    )
    clear = CaseStudy.objects.filter(pk__in=year_of_drones, tlp=CaseStudy.TLP.CLEAR)
    assert sorted(c.pk for c in kept) == sorted(clear.values_list("pk", flat=True))


@pytest.mark.postgres
def test_a_document_whose_tlp_is_stale_never_shows_a_case_the_visitor_may_not_read(
    year_of_drones, monkeypatch
):
    """The narrowing is only ever a second condition: a document that says CLEAR (a write
    that bypassed the index) does not make a GREEN case visible."""
    monkeypatch.setattr(search, "_gathers_every_match", lambda query: True)
    CaseSearchDocument.objects.filter(case_study_id__in=year_of_drones).update(
        tlp=CaseStudy.TLP.CLEAR
    )
    visitor = AnonymousUser()
    kept = search.search_matches(
        selectors.case_study_list(actor=visitor), "drone report", reader=visitor
    )
    assert kept and {c.tlp for c in kept} == {CaseStudy.TLP.CLEAR}


@pytest.mark.postgres
def test_a_visitor_still_finds_a_case_whose_document_has_no_tlp_yet(year_of_drones, monkeypatch):
    """Documents written by the version before migration 0023 (during a rolling upgrade) hold
    no TLP: a visitor's narrowed search reads them too."""
    monkeypatch.setattr(search, "_gathers_every_match", lambda query: True)
    clear = list(
        CaseStudy.objects.filter(pk__in=year_of_drones, tlp=CaseStudy.TLP.CLEAR).values_list(
            "pk", flat=True
        )
    )
    CaseSearchDocument.objects.filter(case_study_id=clear[0]).update(tlp="")
    visitor = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        kept = search.search_matches(
            selectors.case_study_list(actor=visitor), "drone report", reader=visitor
        )
    assert any(
        '"practices_casesearchdocument"."tlp" IN' in q["sql"] for q in queries.captured_queries
    )
    assert sorted(c.pk for c in kept) == sorted(clear)
