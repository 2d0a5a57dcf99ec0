"""Two workers building the same person's alert at the same moment (a beat run picked up
twice, or a follow-up run overlapping): the lock on the person's saved searches serialises them,
so exactly one mail is queued.

Each worker runs in its own thread, and so through its own database connection. A barrier
makes both enter the service before either takes the lock, and a pause while the first holds it
makes the second wait: the race happens every time, not by luck.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from outbox.models import Email
from practices.discovery import alerts
from practices.models import SavedSearch
from tests.factories import CaseStudyFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.3


def test_two_workers_alerting_the_same_person_queue_one_mail(monkeypatch, member, outsider):
    now = timezone.now()
    SavedSearch.objects.create(
        owner=member, name="All", query="", frequency="daily", last_checked_at=now - timedelta(1)
    )
    CaseStudyFactory(
        organisation=outsider.organisation, title="New case", published_at=now - timedelta(1 / 24)
    )
    barrier = threading.Barrier(2, timeout=10)
    due, new_cases = alerts._due, alerts.saved_search_new_cases

    def meet_then_due(*args, **kwargs):
        barrier.wait()  # both workers are inside the service's transaction now
        return due(*args, **kwargs)

    def slow_new_cases(*args, **kwargs):
        time.sleep(PAUSE)  # holding the lock on the person's searches
        return new_cases(*args, **kwargs)

    monkeypatch.setattr(alerts, "_due", meet_then_due)
    monkeypatch.setattr(alerts, "saved_search_new_cases", slow_new_cases)
    outcomes: list[object] = []

    def worker() -> None:
        try:
            outcomes.append(
                alerts.saved_search_alert_person(person=member, frequency="daily", until=now)
            )
        except Exception as exc:  # reported below, not lost in the thread
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes, key=str) == [False, True]
    assert Email.objects.filter(to=[member.email]).count() == 1
    assert SavedSearch.objects.get(owner=member).last_checked_at == now
