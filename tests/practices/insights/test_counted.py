"""The counts of a narrowed list (a search, a filter) are kept for the next request that asks
the same (``practices.discovery.counted``): the kept figures are exactly the ones counted
afresh, for every kind of reader whoever asked first, and a change of visibility is counted at
once.

Outside a wrapping transaction (``transaction=True``): nothing is kept inside one."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import CaseStudy
from practices.moderation.transitions import case_study_withdraw
from tests.conftest import enrol_totp
from tests.practices.insights.test_shared_aggregates import READERS, figures

pytestmark = pytest.mark.django_db(transaction=True)

QUERIES = ("q=elections", "tag=country:JP", "q=fictional&effectiveness=effective")


@pytest.fixture
def readers(world, people):
    enrol_totp(people["moderator"])  # moderating needs two-factor authentication
    cache.clear()
    return people


def fresh(actor, query: str) -> dict:
    cache.clear()
    return figures(actor, query)


@pytest.mark.parametrize("query", QUERIES)
def test_kept_figures_are_the_fresh_ones_for_every_reader(readers, query):
    cache.clear()
    for who in READERS:  # the moderator first: what it keeps must serve nobody else
        actor = readers[who]
        first = figures(actor, query)
        assert figures(actor, query) == first, who  # kept
        assert first == fresh(actor, query), who
        figures(readers["moderator"], query)  # the moderator's kept again before the next


def test_a_repeated_search_counts_nothing_again(readers):
    member = readers["member"]
    with CaptureQueriesContext(connection) as first:
        figures(member, QUERIES[0])
    with CaptureQueriesContext(connection) as again:
        assert figures(member, QUERIES[0])
    counting = [q["sql"] for q in first.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting
    assert not [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()]


# A search's kept counts are keyed by its matched ids, which a withdrawal changes; a filter's by
# its SQL, which it does not: only the feed number tells those apart.
@pytest.mark.parametrize("query", QUERIES[:2])
def test_a_change_of_visibility_is_counted_at_once(readers, query):
    before = {who: figures(readers[who], query) for who in READERS}  # all kept
    ballot = CaseStudy.objects.get(title="Ballot rumours")  # GREEN, the elections, Japan
    case_study_withdraw(actor=readers["moderator"], case_study=ballot, comment="Superseded.")
    for who in READERS:
        after = figures(readers[who], query)
        assert after == fresh(readers[who], query), who
        drop = 0 if who == "visitor" else 1
        assert after["matrix"]["T0086"] == before[who]["matrix"]["T0086"] - drop, who
