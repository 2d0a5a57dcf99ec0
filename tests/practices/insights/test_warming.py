"""After a change commits, a background task rebuilds the unfiltered pages' shared aggregates
for the new feed number (``practices.insights.warming``), so that the next reader finds them
built; whatever happens to that task, readers still get exactly the live figures.

Outside a wrapping transaction (``transaction=True``): the task runs after the commit, and
nothing is cached inside a transaction."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from practices.discovery import facets, refreshing, window
from practices.discovery.facets import published_aggregate
from practices.insights import shared, similar, warming
from practices.models import CaseStudy
from practices.moderation.transitions import case_study_approve, case_study_withdraw
from practices.sync.feed import last_seq
from tests.conftest import enrol_totp
from tests.practices.insights.conftest import term
from tests.practices.insights.test_shared_aggregates import READERS, figures, live_figures

pytestmark = pytest.mark.django_db(transaction=True)

SHARED = ("blue", "theatres", "quarters")


@pytest.fixture
def readers(world, people, settings):
    settings.AGGREGATES_WARM = True
    enrol_totp(people["moderator"])  # moderating needs two-factor authentication
    cache.clear()
    return people


@pytest.fixture
def builds(monkeypatch):
    """The rebuilds run, by the feed number each found."""
    done: list[int] = []
    build = warming.aggregates_build

    def counted(seq=None):
        done.append(last_seq() if seq is None else seq)
        return build(seq)

    monkeypatch.setattr(warming, "aggregates_build", counted)
    return done


def _built(seq: int) -> bool:
    return all(cache.get(shared._key(name, seq)) is not None for name in SHARED)


def test_a_change_leaves_every_aggregate_built_for_its_number(
    readers, builds, django_assert_num_queries, monkeypatch
):
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    seq = last_seq()
    assert builds == [seq]
    assert _built(seq)
    with django_assert_num_queries(0):
        published_aggregate(seq)  # the facets', read by the browse page, matrix and insights
        window.publication_histogram()  # the width of a search's window of newest months
    # Built for a visitor, they hold every TLP: each reader still counts only what it may read.
    for who in READERS:
        assert figures(readers[who]) == live_figures(readers[who], monkeypatch), who


def test_one_rebuild_per_transaction_and_none_for_a_rolled_back_one(readers, builds):
    moderator = readers["moderator"]
    with transaction.atomic():
        case_study_approve(actor=moderator, case_study=CaseStudy.objects.get(title="Submitted"))
        ballot = CaseStudy.objects.get(title="Ballot rumours")
        case_study_withdraw(actor=moderator, case_study=ballot, comment="Superseded.")
    assert builds == [last_seq()]

    before = last_seq()
    with pytest.raises(RuntimeError), transaction.atomic():
        harbour = CaseStudy.objects.get(title="Harbour video")
        case_study_withdraw(actor=moderator, case_study=harbour, comment="Superseded.")
        raise RuntimeError("the request failed after the change")
    assert last_seq() == before
    assert builds == [before]


def test_a_number_is_built_once_however_many_runs_ask(readers):
    seq = last_seq()
    assert warming.aggregates_build() is True
    assert warming.aggregates_build(seq) is False
    assert _built(seq)


def test_off_nothing_is_built_and_the_reader_builds_it(readers, builds, settings, monkeypatch):
    settings.AGGREGATES_WARM = False
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    assert builds == []
    assert not _built(last_seq())
    member = readers["member"]
    assert figures(member) == live_figures(member, monkeypatch)
    assert _built(last_seq())


def test_with_the_broker_down_the_change_is_saved_and_readers_build(
    readers, builds, broker_down, caplog, monkeypatch
):
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    with caplog.at_level(logging.WARNING, logger="practices.insights.warming"):
        case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    ballot.refresh_from_db()
    assert ballot.status == CaseStudy.Status.WITHDRAWN
    assert builds == []
    assert "Could not enqueue the aggregates' rebuild" in caplog.text
    member = readers["member"]
    assert figures(member) == live_figures(member, monkeypatch)


def test_what_worked_is_rebuilt_for_the_subjects_readers_asked_about(readers, monkeypatch):
    asked, other = term("disarm-red:T0086"), term("disarm-red:T0073")
    member = readers["member"]
    figures(member)  # asks what worked against T0086 (and counts it live: nothing is built)
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    seq = last_seq()
    assert cache.get(shared._key(f"worked:{asked.pk}", seq)) is not None
    assert cache.get(shared._key(f"worked:{other.pk}", seq)) is None
    assert figures(member) == live_figures(member, monkeypatch)


def test_the_subjects_kept_are_the_latest_new_ones(readers):
    for pk in range(shared.ASKED_KEPT + 2):
        shared.asked_record("worked", pk)
    shared.asked_record("worked", 5)  # already there: nothing moves
    kept = shared.asked_recently("worked")
    assert kept == list(range(shared.ASKED_KEPT + 1, 1, -1))


def test_built_when_visitors_may_read_nothing(readers, settings):
    settings.PUBLIC_VIEW_ENABLED = False  # the visitor the worker computes as sees no case
    assert warming.aggregates_build() is True
    assert _built(last_seq())


def test_the_refresh_rebuilds_what_a_write_bypassing_the_services_changed(readers, monkeypatch):
    """The refresh rebuilds every aggregate before it expires, under the same number: readers
    find them built however long nothing changes, and a write that moved no number (a bulk SQL
    load) is counted from the next refresh on, not only when the aggregates expire."""
    assert warming.aggregates_build() is True
    seq = last_seq()
    member = readers["member"]
    CaseStudy.objects.filter(title="Ballot rumours").update(status=CaseStudy.Status.WITHDRAWN)
    assert last_seq() == seq
    assert figures(member) != live_figures(member, monkeypatch)  # the cached counts are stale

    cache.delete(window.histogram_key())
    assert warming.aggregates_refresh() is True
    assert last_seq() == seq and _built(seq)
    with CaptureQueriesContext(connection) as read:
        window.publication_histogram()
    assert len(read) == 0  # rebuilt by the refresh too
    for who in READERS:
        assert figures(readers[who]) == live_figures(readers[who], monkeypatch), who
    published = CaseStudy.objects.published().count()
    assert sum(similar.document_counts()["cases"].values()) == published
    assert not refreshing.REFRESHING.get()  # readers read the cache again


def test_the_refresh_does_nothing_when_the_rebuilds_are_off(readers, settings):
    settings.AGGREGATES_WARM = False
    assert warming.aggregates_refresh() is False
    assert not _built(last_seq())


def test_beat_refreshes_the_aggregates_before_they_expire(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["aggregates-refresh"]
    assert entry["task"] == "practices.tasks.aggregates_refresh"
    assert entry["schedule"] == warming.REFRESH_SECONDS
    assert entry["options"]["expires"] <= warming.REFRESH_SECONDS  # missed runs do not pile up
    timeouts = (shared.AGGREGATE_TIMEOUT, facets.AGGREGATE_TIMEOUT, similar.AGGREGATE_TIMEOUT)
    for timeout in (*timeouts, window.HISTOGRAM_TIMEOUT):
        assert timeout > warming.REFRESH_SECONDS + 60  # a late run still comes in time
