"""Two people acting on the same access request at the same moment, on PostgreSQL.

Each acts from their own thread, so through their own database connection. A barrier makes
both enter the service before either takes the case row lock, and a pause after the lock
(in ``_require_pending``) keeps the first one inside long enough that the second must wait:
the race happens every time, not by luck. The lock order (case row, then the request) is the
one ``practices.hub.access`` documents.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.models import User
from practices.exceptions import AccessRequestRefused
from practices.hub import access
from practices.models import AccessRequest, AuditEvent, CaseChange, CaseStudy
from tests.concurrency import in_threads
from tests.factories import CaseStudyFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.3  # seconds the first one holds the lock


@pytest.fixture
def case(org, member) -> CaseStudy:
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        title="Forged ministry letters",
        tlp="amber",
        status="published",
        discoverable=True,
    )


@pytest.fixture
def second_admin(org):
    return UserFactory(
        organisation=org, role=User.Role.ADMIN, full_name="Bruno Second", email="b@org.test"
    )


@pytest.fixture
def at_once(monkeypatch) -> Callable[..., dict[str, tuple[str, object]]]:
    """Run each call in its own thread, all inside the service together; return, per name,
    ("ok", result), ("refused", the AccessRequestRefused) or ("error", anything else)."""
    locked, require_pending = access.case_locked, access._require_pending

    def run(**calls: Callable[[], object]) -> dict[str, tuple[str, object]]:
        barrier = threading.Barrier(len(calls), timeout=10)

        def meet_then_lock(pk):
            barrier.wait()  # every thread is inside its transaction now
            return locked(pk)

        def slow_require_pending(access_request, **kwargs):
            time.sleep(PAUSE)  # holding the case row lock
            return require_pending(access_request, **kwargs)

        monkeypatch.setattr(access, "case_locked", meet_then_lock)
        monkeypatch.setattr(access, "_require_pending", slow_require_pending)
        return in_threads(calls, refused=AccessRequestRefused)

    return run


def test_two_admins_deciding_at_once_one_wins_the_other_is_told(
    case, outsider, org_admin, second_admin, other_org, at_once
):
    org_admin.full_name = "Anna First"
    org_admin.save()
    pending = access.access_request_create(actor=outsider, case_study=case, reason="Same.")
    feed_before = CaseChange.objects.count()

    outcomes = at_once(
        first=lambda: access.access_request_grant(actor=org_admin, access_request=pending),
        second=lambda: access.access_request_decline(
            actor=second_admin, access_request=pending, note="No."
        ),
    )

    kinds = sorted(kind for kind, _ in outcomes.values())
    assert kinds == ["ok", "refused"]
    winner = next(name for name, (kind, _) in outcomes.items() if kind == "ok")
    loser = "second" if winner == "first" else "first"
    pending.refresh_from_db()
    message = str(outcomes[loser][1])
    if winner == "first":
        assert pending.status == "granted" and pending.decided_by == org_admin
        assert "was granted by Anna First" in message
        assert other_org in case.recipients.all()
        assert CaseChange.objects.count() == feed_before + 1
    else:
        assert pending.status == "declined" and pending.decided_by == second_admin
        assert "was declined by Bruno Second" in message
        assert other_org not in case.recipients.all()
        assert CaseChange.objects.count() == feed_before
    assert "nothing more to decide" in message
    decisions = AuditEvent.objects.filter(object_type="practices.accessrequest", action="status")
    assert decisions.count() == 1


def test_two_admins_granting_at_once_add_the_recipient_once(
    case, outsider, org_admin, second_admin, other_org, at_once
):
    pending = access.access_request_create(actor=outsider, case_study=case, reason="Same.")
    feed_before = CaseChange.objects.count()
    outcomes = at_once(
        first=lambda: access.access_request_grant(actor=org_admin, access_request=pending),
        second=lambda: access.access_request_grant(actor=second_admin, access_request=pending),
    )
    assert sorted(kind for kind, _ in outcomes.values()) == ["ok", "refused"]
    assert CaseChange.objects.count() == feed_before + 1
    assert list(case.recipients.all()) == [other_org]


def test_withdrawing_while_an_admin_grants_never_does_both(
    case, outsider, org_admin, other_org, at_once
):
    pending = access.access_request_create(actor=outsider, case_study=case, reason="Same.")
    outcomes = at_once(
        grant=lambda: access.access_request_grant(actor=org_admin, access_request=pending),
        withdraw=lambda: access.access_request_withdraw(actor=outsider, access_request=pending),
    )
    assert sorted(kind for kind, _ in outcomes.values()) == ["ok", "refused"]
    pending.refresh_from_db()
    granted = other_org in case.recipients.all()
    assert (pending.status == "granted") == granted
    assert pending.status in ("granted", "withdrawn")


def test_two_members_asking_at_once_make_one_request(case, outsider, other_org, monkeypatch):
    colleague = UserFactory(organisation=other_org, email="colleague@other.test")
    locked = access.case_locked
    barrier = threading.Barrier(2, timeout=10)

    def meet_then_lock(pk):
        barrier.wait()
        found = locked(pk)
        time.sleep(PAUSE)
        return found

    monkeypatch.setattr(access, "case_locked", meet_then_lock)
    outcomes: dict[str, str] = {}

    def ask(name, person):
        try:
            access.access_request_create(actor=person, case_study=case, reason=f"From {name}")
            outcomes[name] = "ok"
        except AccessRequestRefused:
            outcomes[name] = "refused"
        except Exception as exc:
            outcomes[name] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=ask, args=("a", outsider)),
        threading.Thread(target=ask, args=("b", colleague)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["ok", "refused"], outcomes
    assert AccessRequest.objects.filter(status="pending").count() == 1
