"""Full-text search: the same behaviour on SQLite and PostgreSQL (typos on PostgreSQL only),
an index that follows every kind of change, and nothing found or shown that the reader may not
read."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from practices.cases import services
from practices.discovery.search import case_search, case_snippet
from practices.models import CaseSearchDocument, CaseStudy, Taxonomy, Term
from practices.moderation import transitions as moderation
from practices.vocabularies.changes import terms_relabel_record
from tests.factories import OrganisationFactory
from tests.practices.sync.test_feed import draft_case, publish, published_case, revise

pytestmark = pytest.mark.django_db


def found(actor, text: str) -> list[str]:
    """Titles the actor finds, in rank order."""
    return list(
        case_search(CaseStudy.objects.visible_to(actor), text, reader=actor).values_list(
            "title", flat=True
        )
    )


def write(case: CaseStudy, author, **fields) -> CaseStudy:
    return services.case_study_update(
        actor=author, case_study=case, expected_version=case.version, fields=fields
    )


@pytest.fixture
def library(outsider, moderator, member):
    """Published cases of another organisation, readable by ``member``."""
    cases = {}
    for title, fields in {
        "Ballot rumours": {
            "summary": "False claims about the elections spread before polling day.",
            "lessons": "Prebunking before the vote worked.",
        },
        "Forged letters": {
            "summary": "Forged ministry letters about troop movements.",
            "incident": "A forged letter claimed foreign interference in the referendum.",
        },
        "Harbour video": {
            "summary": "A doctored video of the harbour fire.",
            "outcome": "Fact-checkers traced the original footage.",
        },
        "Tokyo leaflets": {
            "summary": "東京都知事選挙に関する偽情報が拡散した。",
        },
        "Seoul messages": {
            "summary": "서울에서 선거 관련 허위 메시지가 퍼졌다.",
        },
    }.items():
        case = draft_case(outsider, title=title)
        write(case, outsider, **fields)
        cases[title] = publish(case, author=outsider, moderator=moderator)
    return cases


def test_words_are_stemmed(library, member):
    assert found(member, "election") == ["Ballot rumours"]
    assert found(member, "elections") == ["Ballot rumours"]


def test_all_words_must_match(library, member):
    assert found(member, "ministry referendum") == ["Forged letters"]
    assert found(member, "ministry harbour") == []


def test_phrases_match_words_in_that_order(library, member):
    assert found(member, '"foreign interference"') == ["Forged letters"]
    assert found(member, '"interference foreign"') == []


def test_or_and_exclusion(library, member):
    assert sorted(found(member, "harbour OR elections")) == ["Ballot rumours", "Harbour video"]
    assert found(member, "ministry -referendum") == []
    assert found(member, "video -referendum") == ["Harbour video"]


def test_codes_labels_and_taxonomy_names_find_tagged_cases(library, member, moderator):
    case = library["Harbour video"]
    technique = Term.objects.get(code="T0002")
    country = Term.objects.get(taxonomy__slug="country", code="EE")
    Term.objects.filter(pk=country.pk).update(label="Estonia")
    terms_relabel_record([country.pk])
    assert case.title in found(member, "T0002")
    assert case.title in found(member, "Estonia")
    assert (
        technique.taxonomy.name.split()[0]
        in CaseSearchDocument.objects.get(case_study=case).heading
    )


def test_japanese_and_korean_text_match_inside_sentences(library, member):
    assert found(member, "選挙") == ["Tokyo leaflets"]
    assert found(member, "東京都知事") == ["Tokyo leaflets"]
    assert found(member, "허위 메시지") == ["Seoul messages"]
    assert found(member, "선거") == ["Seoul messages"]


def test_title_weighs_more_than_the_story(outsider, moderator, member):
    body = published_case(outsider, moderator, title="Port strike")
    write_revision = {"outcome": "A wave of claims about a drone."}
    revise(body, author=outsider, moderator=moderator, fields=write_revision)
    published_case(outsider, moderator, title="Drone sightings")
    assert found(member, "drone") == ["Drone sightings", "Port strike"]


@pytest.mark.postgres
def test_a_typo_still_finds_the_case_on_postgresql(library, member):
    assert connection.vendor == "postgresql"
    assert found(member, "electons") == ["Ballot rumours"]
    assert found(member, "harbur") == ["Harbour video"]
    assert found(member, "harbur video") == ["Harbour video"]
    # The browse page's search (search_matches) tries the typo once the words found nothing.
    assert _matches(member, "electons") == ["Ballot rumours"]
    assert _matches(member, "harbur video") == ["Harbour video"]


def test_search_never_widens_what_the_reader_may_see(outsider, moderator, member, org):
    draft = draft_case(outsider, title="Unpublished draft")
    write(draft, outsider, summary="Secret elections plan.")
    amber = published_case(
        outsider,
        moderator,
        title="Amber for others",
        tlp="amber",
        recipients=[OrganisationFactory(name="Someone else")],
    )
    write_fields = {"summary": "Elections in the north."}
    revise(amber, author=outsider, moderator=moderator, fields=write_fields)
    assert found(member, "elections") == []
    assert "Unpublished draft" in found(outsider, "elections")


def test_an_organisation_name_finds_nothing(outsider, moderator, member):
    published_case(
        outsider,
        moderator,
        title="Anonymised case",
        attribution_mode=CaseStudy.AttributionMode.ANONYMISED,
    )
    name = outsider.organisation.name
    assert found(member, name) == []
    assert name not in CaseSearchDocument.objects.values_list("heading", flat=True)[0]


# --- The index follows every kind of change ---------------------------------------------------


def test_editing_a_draft_reindexes_it(outsider):
    case = draft_case(outsider, title="Draft")
    assert found(outsider, "submarine") == []
    write(case, outsider, summary="A submarine sighting.")
    assert found(outsider, "submarine") == ["Draft"]


def test_an_approved_revision_reindexes_the_case(outsider, moderator, member):
    case = published_case(outsider, moderator, title="Revised")
    revise(case, author=outsider, moderator=moderator, fields={"lessons": "Use satellites."})
    assert found(member, "satellites") == ["Revised"]


def test_moderator_retagging_reindexes_the_case(outsider, moderator, member):
    case = published_case(outsider, moderator, title="Retagged")
    theme = Taxonomy.objects.create(slug="theme", name="Theme")
    health = Term.objects.create(taxonomy=theme, code="health", label="Public health")
    moderation.case_study_retag(actor=moderator, case_study=case, terms={"theme": [health]})
    assert found(member, "health") == ["Retagged"]


def test_renaming_a_term_reindexes_its_cases(outsider, moderator, member):
    case = published_case(outsider, moderator, title="Renamed")
    term = case.terms.get(taxonomy__slug="region")
    assert found(member, "Baltic") == []
    Term.objects.filter(pk=term.pk).update(label="Baltic states")
    terms_relabel_record([term.pk])
    assert found(member, "Baltic") == ["Renamed"]


def test_deleting_a_draft_removes_it_from_the_index(outsider):
    case = draft_case(outsider, title="Deleted")
    services.case_study_delete(actor=outsider, case_study=case)
    assert found(outsider, "Deleted") == []
    assert not CaseSearchDocument.objects.filter(case_study_id=case.pk).exists()


def test_rebuild_command_indexes_cases_written_without_services(outsider, moderator, member):
    case = published_case(outsider, moderator, title="Bulk loaded")
    CaseSearchDocument.objects.filter(case_study=case).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM practices_casesearch_fts")
    assert found(member, "Bulk") == []
    call_command("search_index_rebuild", "--missing", stdout=io.StringIO())
    assert found(member, "Bulk") == ["Bulk loaded"]


# --- Snippets ------------------------------------------------------------------------------------


def test_snippet_marks_the_match_and_escapes_the_text(outsider):
    case = draft_case(outsider, title="Markup")
    case = write(case, outsider, summary="<script>alert(1)</script> Elections & ballots.")
    snippet = case_snippet(case, "election")
    assert "<mark>Elections</mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp; ballots" in snippet


def test_browse_page_shows_snippets_only_of_readable_cases(library, member, outsider, moderator):
    hidden = draft_case(outsider, title="Hidden draft")
    write(hidden, outsider, summary="Hidden elections text.")
    client = Client()
    client.force_login(member)
    page = client.get(reverse("practices:case-list"), {"q": "elections"}).content.decode()
    assert "<mark>elections</mark>" in page
    assert "Hidden" not in page


@pytest.mark.postgres
def test_typos_are_corrected_only_from_words_the_reader_sees_whole(
    library, outsider, moderator, member, settings
):
    from django.contrib.auth.models import AnonymousUser

    from practices.discovery import search
    from practices.discovery.models import SearchWord
    from practices.discovery.query import parse

    settings.PUBLIC_VIEW_ENABLED = True
    amber = published_case(
        outsider, moderator, title="Amber note", tlp="amber", recipients=[member.organisation]
    )
    revise(amber, author=outsider, moderator=moderator, fields={"summary": "Quetzalcoatl."})
    draft = draft_case(outsider, title="Draft note")
    write(draft, outsider, summary="Xylophonists.")
    clear = published_case(outsider, moderator, title="Lighthouse keepers", tlp="clear")
    words = dict(SearchWord.objects.values_list("word", "public"))
    assert words["ballot"] is False and words["lighthouse"] is True  # GREEN; CLEAR
    assert "quetzalcoatl" not in words and "xylophonists" not in words
    # The member may read the AMBER case and finds it by its word, not by a misspelling of it:
    # the words a typo is corrected to never come from a restricted case.
    assert found(member, "quetzalcoatl") == ["Amber note"]
    assert found(member, "quetzalcoatel") == []
    assert found(member, "xylophonist") == []
    # A visitor is offered only words of CLEAR cases; a member, those of GREEN ones too.
    visitor = AnonymousUser()
    assert found(visitor, "lighthous") == [clear.title]
    assert found(member, "balot") == ["Ballot rumours"]
    offered = {
        who: search._corrected(parse("balot"), reader=reader)
        for who, reader in (("visitor", visitor), ("member", member))
    }
    assert offered["visitor"] is None  # "ballot" is only in GREEN cases
    assert "ballot" in [term.text for term in offered["member"].terms]


@pytest.mark.postgres
def test_a_typo_is_never_corrected_to_a_word_only_cases_since_withdrawn_or_restricted_held(
    library, outsider, outsider_admin, moderator, member
):
    """Words stay in ``SearchWord`` once a published case has held them; a typo is corrected
    only to words a case the reader sees whole still holds, or it would tell them that some
    case they may no longer read held the word."""
    from django.contrib.auth.models import AnonymousUser

    from practices.moderation.transitions import case_study_withdraw

    gone = published_case(outsider, moderator, title="Gone")
    revise(gone, author=outsider, moderator=moderator, fields={"summary": "The zorblatt plan."})
    raised = published_case(outsider, moderator, title="Raised", tlp="clear")
    revise(raised, author=outsider, moderator=moderator, fields={"summary": "Quillwort maps."})
    visitor = AnonymousUser()
    assert found(member, "zorblat") == ["Gone"]  # while they may read it
    assert found(visitor, "quillwor") == ["Raised"]
    case_study_withdraw(actor=outsider_admin, case_study=gone, comment="Taken back.")
    revise(raised, author=outsider, moderator=moderator, fields={"tlp": "green"})
    # The member's own draft holds both words: a correction to either would find it.
    mine = draft_case(member, title="Mine")
    write(mine, member, summary="Zorblatt and quillwort, and vexquarn.")
    assert found(member, "zorblatt") == ["Mine"]  # spelt right, their own draft is found
    assert found(member, "vexquar") == []  # a word no published case holds: no correction
    assert found(member, "zorblat") == []  # nor for a word only a withdrawn case held
    assert set(found(member, "quillwor")) == {"Raised", "Mine"}  # GREEN: whole to a member
    assert found(visitor, "quillwor") == []  # no longer CLEAR: not for a visitor


@pytest.mark.postgres
def test_a_correctly_spelt_word_stays_beside_a_corrected_one(library, member):
    assert found(member, "ballot rumuors") == ["Ballot rumours"]


def test_one_character_of_japanese_still_matches(library, member):
    assert found(member, "選") == ["Tokyo leaflets"]


def test_a_broad_search_keeps_its_newest_matches_by_relevance(
    outsider, moderator, member, monkeypatch
):
    from practices.discovery import search
    from practices.discovery.browse import COUNT_CAP

    # The page shows "1,000+" beyond COUNT_CAP, so keeping more than that shows nothing more.
    assert search.NEWEST_MATCHES > COUNT_CAP
    oldest = published_case(outsider, moderator, title="Drone drone drone")
    revise(oldest, author=outsider, moderator=moderator, fields={"summary": "Drone."})
    for title in ("Port strike", "Harbour fire"):
        case = published_case(outsider, moderator, title=title)
        revise(case, author=outsider, moderator=moderator, fields={"summary": "A drone."})
    found = case_search(CaseStudy.objects.visible_to(member), "drone")
    assert found[0].title == "Drone drone drone"  # the best match overall
    monkeypatch.setattr(search, "NEWEST_MATCHES", 2)
    kept = search.search_matches(CaseStudy.objects.visible_to(member), "drone", reader=member)
    assert kept.cut
    assert sorted(c.title for c in kept) == ["Harbour fire", "Port strike"]
    assert [c.search_rank for c in kept] == sorted((c.search_rank for c in kept), reverse=True)


def test_equal_matches_list_the_newest_first_and_the_unpublished_last(
    outsider, moderator, monkeypatch
):
    from practices.discovery import search

    older = published_case(outsider, moderator, title="Drone report")
    newer = published_case(outsider, moderator, title="Drone report")
    submitted = draft_case(outsider, title="Drone report")
    moderation.case_study_submit(actor=outsider, case_study=submitted)
    visible = CaseStudy.objects.visible_to(moderator)  # a moderator also reads submitted cases

    kept = search.search_matches(visible, "drone", reader=moderator)
    assert [c.pk for c in kept] == [newer.pk, older.pk, submitted.pk]
    assert not kept.cut
    # The bound keeps the unpublished (few: drafts, a queue) and cuts the oldest published,
    # on both databases.
    monkeypatch.setattr(search, "NEWEST_MATCHES", 2)
    kept = search.search_matches(visible, "report drone", reader=moderator)
    assert [c.pk for c in kept] == [newer.pk, submitted.pk]
    assert kept.cut


def test_common_words_such_as_the_and_about_do_not_stop_a_match(library, member):
    # PostgreSQL's English configuration ignores them (alone, their tsquery is empty); the
    # words around them still have to match.
    assert found(member, "claims about the elections") == ["Ballot rumours"]
    assert found(member, "claims about the harbour") == []


# --- The cached matches of a search ------------------------------------------------------------


def test_a_query_without_searchable_words_is_the_page_without_a_search(library, member):
    from django.http import QueryDict

    from practices.discovery.filters import CaseStudyFilterSet

    for text in ("!!!", "-elections"):
        filterset = CaseStudyFilterSet.for_reader(QueryDict(f"q={text}"), actor=member)
        assert filterset.selection.text == ""
        assert not filterset.selection.narrows  # so the facets use the shared aggregate


def test_a_search_of_only_ignored_words_is_still_bounded(library, member, monkeypatch):
    from practices.discovery import search

    monkeypatch.setattr(search, "NEWEST_MATCHES", 2)
    kept = search.search_matches(CaseStudy.objects.visible_to(member), "the", reader=member)
    assert kept.count() <= 2


def _matches(actor, text: str) -> list[str]:
    from practices.discovery.search import search_matches

    cases = search_matches(CaseStudy.objects.visible_to(actor), text, reader=actor)
    return list(cases.values_list("title", flat=True))


# Outside a test transaction: inside one, search_matches does not cache.
@pytest.mark.django_db(transaction=True)
def test_a_repeated_search_reuses_its_matches_and_a_new_case_shows_at_once(
    library,
    outsider,
    moderator,
    member,
):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert _matches(member, "referendum") == ["Forged letters"]
    with CaptureQueriesContext(connection) as again:
        assert _matches(member, "referendum") == ["Forged letters"]
    assert len(again) < len(first)  # the matching ran once
    # Every case write takes a new feed number, which is part of the key: no stale answer.
    published_case(outsider, moderator, title="Referendum posters")
    assert sorted(_matches(member, "referendum")) == ["Forged letters", "Referendum posters"]


# Outside a test transaction: inside one, search_matches does not cache.
@pytest.mark.django_db(transaction=True)
def test_cached_matches_never_serve_another_reader(library, outsider, moderator, member):
    # An AMBER case naming only the member's organisation: found by them, cached, and still
    # not found by a member of a third organisation or a visitor asking the same words.
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import UserFactory

    published_case(
        outsider,
        moderator,
        title="Quiet harbour",
        tlp=CaseStudy.TLP.AMBER,
        recipients=[member.organisation],
    )
    third = UserFactory(organisation=OrganisationFactory())
    assert "Quiet harbour" in _matches(member, "harbour")
    assert "Quiet harbour" not in _matches(third, "harbour")
    assert "Quiet harbour" not in _matches(AnonymousUser(), "harbour")
    assert "Quiet harbour" in _matches(member, "harbour")


# Outside a test transaction: inside one, search_matches does not cache.
@pytest.mark.django_db(transaction=True)
def test_a_case_that_becomes_invisible_leaves_cached_matches(library, outsider, moderator, member):
    quiet = published_case(
        outsider,
        moderator,
        title="Quiet harbour",
        tlp=CaseStudy.TLP.AMBER,
        recipients=[member.organisation],
    )
    assert "Quiet harbour" in _matches(member, "harbour")
    revise(quiet, author=outsider, moderator=moderator, recipients=[OrganisationFactory()])
    assert "Quiet harbour" not in _matches(member, "harbour")


def _pages(paginator) -> list[list[int]]:
    return [[c.pk for c in paginator.page(n)] for n in paginator.page_range]


def test_a_search_read_in_this_request_is_paged_and_counted_without_reading_it_again(
    library, outsider, moderator, member
):
    from django.test.utils import CaptureQueriesContext

    from practices.discovery.browse import CappedPaginator
    from practices.discovery.search import search_matches

    hidden = published_case(
        outsider,
        moderator,
        title="Harbour notes",
        tlp=CaseStudy.TLP.AMBER,
        recipients=[OrganisationFactory()],
    )
    visible = CaseStudy.objects.visible_to(member)
    kept = search_matches(visible, "harbour OR elections", reader=member)
    # The ids read by the search are the queryset's own rows in its order (never the AMBER
    # case the member may not read)...
    assert kept.matched == list(kept.values_list("pk", flat=True))
    assert len(kept.matched) >= 2 and hidden.pk not in kept.matched
    # ...so its number and its pages come from them, equal to what the database answers.
    for per_page in (1, 2, 20):
        known, asked = CappedPaginator(kept, per_page), CappedPaginator(kept.all(), per_page)
        with CaptureQueriesContext(connection) as counting:
            assert known.count == asked.count == len(kept.matched)
        assert len(counting) == 1  # the database's count only
        assert _pages(known) == _pages(asked)
    # A page reads its rows by id through the member's queryset, without the positions of
    # every match that ordering the whole list needs.
    with CaptureQueriesContext(connection) as paging:
        assert [c.pk for c in CappedPaginator(kept, 1).page(1)] == kept.matched[:1]
    rows = next(q["sql"] for q in paging if "practices_casestudy_terms" not in q["sql"])
    assert "search_rank" not in rows
    assert [q["sql"] for q in paging].count(rows) == 1 and len(paging) == 2  # and card terms
    # Narrowed or reordered, the list is counted and paged by the database again: as a
    # search's list (``bounded``), by one query of its ids in order for both.
    assert getattr(kept.filter(tlp=CaseStudy.TLP.GREEN), "matched", None) is None
    narrowed = kept.exclude(pk=kept.matched[0]).order_by("-pk")
    assert getattr(narrowed, "matched", None) is None
    for per_page in (1, 2, 20):
        once, asked = (
            CappedPaginator(narrowed, per_page, bounded=True),
            CappedPaginator(narrowed, per_page),
        )
        with CaptureQueriesContext(connection) as counting:
            assert once.count == asked.count == len(kept.matched) - 1
        assert len(counting) == 2  # the ids in order, and the database's count
        assert _pages(once) == _pages(asked)


def test_a_search_narrowed_by_a_filter_is_read_once_as_ids_in_the_search_order(library, member):
    import datetime

    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from practices.discovery.browse import CappedPaginator
    from practices.discovery.filters import CaseStudyFilterSet

    in_2024 = ["Ballot rumours", "Forged letters", "Harbour video"]
    CaseStudy.objects.filter(title__in=in_2024).update(incident_start=datetime.date(2024, 3, 1))
    data = QueryDict("q=harbour+OR+elections+OR+forged+OR+seoul&year=2024")
    filterset = CaseStudyFilterSet.for_reader(data, actor=member)
    searched = [c.title for c in filterset.searched]
    assert set(in_2024) < set(searched)  # and a case of another year
    # A case hidden from the member after the search read its matches (a write bypassing the
    # services) is left out: the narrowing reads the ids through the member's queryset.
    CaseStudy.objects.filter(title="Forged letters").update(tlp=CaseStudy.TLP.AMBER)
    listed = filterset.filtered()
    expected = [title for title in searched if title in {"Ballot rumours", "Harbour video"}]
    assert [c.title for c in listed] == expected  # the search's order, narrowed
    assert listed.matched == [c.pk for c in listed]
    with CaptureQueriesContext(connection) as counting:
        paginator = CappedPaginator(listed, 1, bounded=True)
        assert paginator.count == 2
    assert len(counting) == 0  # counted from the ids read once
    assert [c.title for n in (1, 2) for c in paginator.page(n)] == expected
    # The facets count the same list: the year 2024 holds what the list holds.
    from practices.discovery.facets import case_facets

    year = next(f for f in case_facets(filterset) if f.family == "year")
    assert {v.value: v.count for v in year.values}["2024"] == 2


# Outside a test transaction: inside one, search_matches does not cache.
@pytest.mark.django_db(transaction=True)
def test_matches_from_the_cache_are_paged_and_counted_by_the_database(library, member):
    # A write that bypasses the services takes no feed number and leaves cached matches as
    # they were: their rows are checked again, so a case hidden since is neither listed nor
    # counted.
    from practices.discovery.browse import CappedPaginator

    first = _matches(member, "harbour OR elections")
    assert len(first) >= 2
    CaseStudy.objects.filter(title=first[0]).update(tlp=CaseStudy.TLP.AMBER)
    kept = search_matches_of(member, "harbour OR elections")
    assert kept.matched is None
    for paginator in (CappedPaginator(kept, 20), CappedPaginator(kept, 20, bounded=True)):
        assert paginator.count == len(first) - 1
        assert [c.title for c in paginator.page(1)] == first[1:]


def search_matches_of(actor, text: str):
    from practices.discovery.search import search_matches

    return search_matches(CaseStudy.objects.visible_to(actor), text, reader=actor)


def test_words_the_search_ignores_are_ignored_on_both_databases(library, member):
    """PostgreSQL ignores words such as "of" and "the" in a query, and SQLite must too: "of" is
    nowhere in "Forged letters", and "the" is in every case."""
    assert found(member, "claims about the elections") == ["Ballot rumours"]
    assert found(member, "letters of the ministry") == ["Forged letters"]
    assert found(member, "video OR the") == ["Harbour video"]


def test_a_phrase_opening_or_closing_with_ignored_words_is_looked_for_without_them(
    library, outsider, moderator, member
):
    """PostgreSQL reads "the harbour fire" as "harbour" followed by "fire"; SQLite must not ask
    for "the" before them."""
    case = draft_case(outsider, title="Smoke warnings")
    write(case, outsider, summary="Smoke from a harbour fire reached the old town.")
    publish(case, author=outsider, moderator=moderator)

    assert sorted(found(member, '"the harbour fire"')) == ["Harbour video", "Smoke warnings"]
    assert sorted(found(member, '"harbour fire of"')) == ["Harbour video", "Smoke warnings"]
    assert found(member, 'video -"the harbour"') == []


def test_snippets_mark_what_the_search_looked_for_not_the_words_it_ignores(library, member):
    snippet = case_snippet(library["Ballot rumours"], "claims about the elections")
    assert "<mark>claims</mark>" in snippet and "<mark>elections</mark>" in snippet
    assert "<mark>about</mark>" not in snippet and "<mark>the</mark>" not in snippet


def test_a_query_of_ignored_words_only_is_no_query(library, member):
    assert sorted(found(member, "the")) == sorted(found(member, ""))
    assert sorted(found(member, '"of the"')) == sorted(found(member, ""))


def test_half_width_katakana_and_full_width_letters_are_found_however_typed(
    outsider, moderator, member
):
    """Queries are NFKC-normalised (half-width katakana become full-width, full-width Latin
    letters ASCII); so is the index, or a case written in those forms would not be found."""
    case = draft_case(outsider, title="Leaflets")
    write(case, outsider, summary="ｾﾝｷｮ について の ﾃﾞﾏ が ＳＮＳ で 広がった。")
    publish(case, author=outsider, moderator=moderator)

    for typed in ("センキョ", "ｾﾝｷｮ", "デマ", "SNS", "ＳＮＳ"):
        assert found(member, typed) == ["Leaflets"], typed
    assert "<mark>センキョ</mark>" in case_snippet(CaseStudy.objects.get(pk=case.pk), "ｾﾝｷｮ")
