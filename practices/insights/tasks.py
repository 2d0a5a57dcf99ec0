"""Background jobs of insights: rebuilding the shared aggregates after a change, and before
they expire.

Thin: the work is in ``practices.insights.warming``. The names are fixed
(``practices.tasks.aggregates_warm``, ``practices.tasks.aggregates_refresh``) like the app's
other tasks.
"""

from __future__ import annotations

from celery import shared_task

from practices.insights import warming


# Not acknowledged late and never retried: a lost or failed run only means that the next
# reader builds what it would have built.
@shared_task(name="practices.tasks.aggregates_warm", ignore_result=True, acks_late=False)
def aggregates_warm() -> bool:
    return warming.aggregates_build()


# Run by beat; a lost run only means the aggregates may expire before the next one does.
@shared_task(name="practices.tasks.aggregates_refresh", ignore_result=True, acks_late=False)
def aggregates_refresh() -> bool:
    return warming.aggregates_refresh()
