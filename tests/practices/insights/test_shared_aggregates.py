"""The unfiltered pages across cases count from aggregates shared by every reader and cached
under the change feed's last number (``practices.insights.shared``): their figures are exactly
the live ones for every kind of reader, whoever asked first, and follow a change of visibility
with the very next request.

These tests run outside a wrapping transaction (``transaction=True``): nothing is cached
inside one, so the cache is only exercised this way."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from practices.discovery.facets import case_facets, published_aggregate
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.window import publication_histogram
from practices.insights import charts, selectors, shared, theatres
from practices.models import CaseStudy
from practices.moderation.transitions import case_study_approve, case_study_withdraw
from practices.sync import feed
from practices.sync.feed import last_seq
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory
from tests.practices.insights.conftest import term

pytestmark = pytest.mark.django_db(transaction=True)

# The moderator first: the aggregates it causes to be built hold every TLP, and the readers
# after it must still count only what they may read.
READERS = ("moderator", "visitor", "member", "recipient", "author")


def figures(actor, query: str = "") -> dict:
    """Every figure of the matrix (Red and Blue), "what worked against T0086", the theatres,
    the insights page and the browse facets, for this reader and query string (none: the
    unfiltered pages)."""

    def filterset():
        return CaseStudyFilterSet.for_reader(QueryDict(query), actor=actor)

    worked = selectors.what_worked(filterset(), term("disarm-red:T0086"))
    across = theatres.across_theatres(filterset())
    answer = charts.insights(filterset())
    groups = [*worked.groups, *([worked.without_counter] if worked.without_counter else [])]
    return {
        "matrix": {c.code: c.count for c in selectors.disarm_matrix(filterset()).cells()},
        "blue": {
            (c.code, s.value): s.count
            for g in selectors.counter_use(filterset())
            for c in g.counters
            for s in c.effectiveness
        },
        "worked": [
            (g.code, g.count, [(s.value, s.count) for s in [*g.effectiveness, *g.evidence]])
            for g in [worked.overall, *groups]
        ],
        "worked examples": {g.code: [e.title for e in g.examples] for g in groups},
        "theatres": [(t.key, t.count) for t in across.theatres],
        "shared": {
            (slug, t.code, key): (seen.count, seen.first)
            for slug, _title, terms in across.sections
            for t in terms
            for key, seen in t.seen.items()
        },
        "gaps": [(g.code, g.worked_in, g.worked, g.used) for g in across.gaps],
        "time": [(q.year, q.quarter, q.count) for q in answer.timeline.quarters]
        + [answer.timeline.undated],
        "charts": {
            chart.key: [
                (b.code, b.count, [(c.code, c.count) for c in b.children]) for b in chart.bars
            ]
            for chart in answer.charts
        },
        "facets": {
            (facet.family, value.value): value.count
            for facet in case_facets(filterset())
            for value in facet.values
        },
    }


def live_figures(actor, monkeypatch) -> dict:
    """The same figures counted live, as with a search (no shared aggregate)."""
    with monkeypatch.context() as patched:
        for module in (shared, selectors, charts):
            patched.setattr(module, "reader_split", lambda filterset: None)
        return figures(actor)


@pytest.fixture
def readers(world, people):
    enrol_totp(people["moderator"])  # moderating needs two-factor authentication
    cache.clear()
    return people


def test_shared_figures_are_the_live_ones_for_every_reader(readers, monkeypatch):
    for who in READERS:
        actor = readers[who]
        first = figures(actor)  # builds what is not cached yet
        assert figures(actor) == first, who  # from the cache
        assert first == live_figures(actor, monkeypatch), who
    seq = last_seq()
    for name in ("blue", "theatres", "quarters", f"worked:{term('disarm-red:T0086').pk}"):
        assert cache.get(shared._key(name, seq)) is not None, name  # really shared


def test_a_reader_never_counts_what_only_another_may_read(readers):
    # T0099 is only on AMBER(+STRICT) cases for the third office (and unpublished ones).
    expected = {"moderator": 1, "visitor": 0, "member": 0, "recipient": 1, "author": 1}
    for who in READERS:
        answer = figures(readers[who])
        assert answer["matrix"].get("T0099", 0) == expected[who], who
        assert (
            dict((code, n) for code, n, _c in answer["charts"]["techniques"]).get("T0099", 0)
            == expected[who]
        ), who


def test_counts_follow_a_change_of_visibility_at_once(readers, monkeypatch):
    before = {who: figures(readers[who]) for who in READERS}  # every aggregate cached
    # Ballot rumours (GREEN, T0086, Indo-Pacific) is withdrawn: members, the recipient, the
    # author and moderators stop counting it; the visitor never did.
    ballot = CaseStudy.objects.get(title="Ballot rumours")
    case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    after = {who: figures(readers[who]) for who in READERS}
    for who in READERS:
        drop = 0 if who == "visitor" else 1
        assert after[who]["matrix"]["T0086"] == before[who]["matrix"]["T0086"] - drop, who
        assert after[who] == live_figures(readers[who], monkeypatch), who
    # A submitted GREEN case with T0099 is published: every member counts it, the visitor not.
    submitted = CaseStudy.objects.get(title="Submitted")
    assert case_study_approve(actor=readers["moderator"], case_study=submitted)
    for who in READERS:
        now = figures(readers[who])
        gained = 0 if who == "visitor" else 1
        assert now["matrix"].get("T0099", 0) == after[who]["matrix"].get("T0099", 0) + gained
        assert now == live_figures(readers[who], monkeypatch), who


def test_shared_aggregates_read_inside_a_rolled_back_transaction_are_not_kept(org):
    """A transaction that publishes a case takes the next feed number; read inside it, the
    shared aggregates count that case. Rolled back, the number goes to the next writer, whose
    readers must count its case, not the one that never was."""
    cache.clear()
    with transaction.atomic():
        never = CaseStudyFactory(
            organisation=org, status="published", tlp="clear", published_at=timezone.now()
        )
        feed.change_record(never)
        seq = last_seq()
        assert published_aggregate(seq)["scalars"][0][0] == "clear"
        assert "clear" in publication_histogram()
        transaction.set_rollback(True)

    with transaction.atomic():
        kept = CaseStudyFactory(
            organisation=org, status="published", tlp="amber", published_at=timezone.now()
        )
        feed.change_record(kept)
    assert last_seq() == seq  # the same number, for another change

    assert [row[0] for row in published_aggregate(seq)["scalars"]] == ["amber"]
    assert set(publication_histogram()) == {"amber"}
