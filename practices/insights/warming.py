"""Rebuilding the shared aggregates in the background after each change, so no reader waits.

The unfiltered browse facets and pages across cases count the shared published cases from
aggregates cached under the change feed's last number (``practices.insights.shared``,
``practices.discovery.facets``). A case write takes a new number, so the first reader after
it rebuilt every aggregate of the page they opened: 0.3–2 s at 100 000 cases, on every page,
after every write. Instead, once a transaction that changed a case commits, a Celery task
builds them for the new number, and readers find them built.

This is only an optimisation, never a condition of correctness: a reader who arrives before
the task is done (or while the broker or the cache is down) builds what they need as before,
and the numbers a reader sees are the same either way (the aggregates are reader-independent;
each reader adds their own part live). So the task may be lost, run twice, or run late:

- one message per committed transaction, however many cases it changed (a keyword merge
  touches thousands);
- the task builds for the feed's number *when it runs*, so a burst of writes costs one build
  per task that finds a number nobody has claimed (``cache.add``), not one per write;
- enqueuing fails fast and is forgotten when the broker is down.

It builds by computing the pages themselves for a visitor (the facets, the DISARM matrix and
its Blue view, the theatres, the insights page, and "what worked" against the subjects readers
asked about lately: ``shared.asked_record``): the aggregates they cache are exactly those the
pages read, under the same keys, with nothing to keep in step. Off in the embedded default
(tasks run inline there, and each process has its own cache): ``AGGREGATES_WARM``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction

from portal.cache import database_address
from practices.discovery.facets import case_facets
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.refreshing import REFRESHING
from practices.discovery.window import publication_histogram
from practices.insights.charts import insights
from practices.insights.selectors import counter_use, disarm_matrix, what_worked
from practices.insights.shared import asked_recently
from practices.insights.similar import document_counts
from practices.insights.theatres import across_theatres
from practices.sync.feed import last_seq
from practices.vocabularies.models import Term

logger = logging.getLogger(__name__)

# How long a claimed number stays claimed: longer than a build takes at 100 000 cases (about
# 5 s), short enough that a worker killed mid-build does not keep the number from others.
CLAIM_TIMEOUT = 120
# How often beat runs ``aggregates_refresh``: well within the aggregates' ten-minute timeout,
# with room for a late run. Each run costs a few seconds of the database's time.
REFRESH_SECONDS = 4 * 60


def aggregates_build(seq: int | None = None) -> bool:
    """Build every page's shared aggregate for the feed's number (read now if not given) unless
    another run claimed it; returns whether this run built them."""
    seq = last_seq() if seq is None else seq
    if not cache.add(f"practices:insights:warm:{database_address()}:{seq}", True, CLAIM_TIMEOUT):
        return False
    _build_every_aggregate()
    return True


def aggregates_refresh() -> bool:
    """Build every shared aggregate afresh for the feed's current number, overwriting the
    cached ones (run by beat every ``REFRESH_SECONDS``); returns whether it ran.

    They are cached for ``AGGREGATE_TIMEOUT`` (which bounds how long a write that bypasses
    the services goes uncounted): on a portal where nothing changed for that long, the next
    reader found them gone and waited for a rebuild (0.2–1.5 s per page at 100 000 cases).
    Rebuilt before they expire, and overwritten rather than deleted, they are always there.
    """
    if not settings.AGGREGATES_WARM:
        return False
    refreshing = REFRESHING.set(True)
    try:
        _build_every_aggregate()
    finally:
        REFRESHING.reset(refreshing)
    return True


def _build_every_aggregate() -> None:
    filterset = CaseStudyFilterSet.for_reader({}, actor=AnonymousUser())
    case_facets(filterset)
    disarm_matrix(filterset)
    counter_use(filterset)
    across_theatres(filterset)
    insights(filterset)
    subjects = Term.objects.filter(pk__in=asked_recently("worked")).select_related("taxonomy")
    for subject in subjects:
        what_worked(filterset, subject)
    document_counts()  # the similar cases' term weights, on every case page
    publication_histogram()  # the width of a search's window of newest matches


def aggregates_warm_enqueue() -> None:
    """Ask a worker to build the aggregates. Never raises: it runs after the commit, and a
    broker outage only means the next reader builds them."""
    from practices.insights.tasks import aggregates_warm

    try:
        aggregates_warm.apply_async(retry=False)
    except Exception:
        logger.warning("Could not enqueue the aggregates' rebuild; readers will build them")


def aggregates_warm_after_commit(case_study=None, **_change) -> None:
    """Listener of the ``case changed`` hook: one rebuild per committed transaction."""
    if not settings.AGGREGATES_WARM:
        return
    pending = transaction.get_connection().run_on_commit
    # Django keeps (savepoint ids, callable, robust) per callback: one is enough per transaction,
    # and a rollback discards it with the rest.
    if not any(entry[1] is aggregates_warm_enqueue for entry in pending):
        transaction.on_commit(aggregates_warm_enqueue)
