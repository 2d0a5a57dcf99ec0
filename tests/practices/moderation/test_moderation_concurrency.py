"""Two moderators acting on the same case at the same moment: the row lock serialises them.

Each moderator acts from their own thread, and so through their own database connection. A
barrier inside the service makes both threads enter it before either takes the lock, and a
pause after the lock is taken (in ``_check``) keeps the first one inside long enough that the
second must wait for it: the race happens every time, not by luck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from practices.exceptions import TransitionRefused
from practices.models import Approval, CaseStudy, ModerationEvent
from practices.moderation import transitions as moderation
from tests.concurrency import in_threads
from tests.factories import CaseStudyFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.3  # seconds the first moderator holds the lock


@pytest.fixture
def case(org, member) -> CaseStudy:
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="submitted",
        tlp="green",
        title="Forged letters",
        submission_round=1,
        submitted_at=timezone.now(),
    )


@pytest.fixture
def second_moderator(moderator):
    return UserFactory(
        organisation=moderator.organisation,
        is_moderator=True,
        full_name="Bruno Second",
        email="second@hub.test",
    )


@pytest.fixture
def at_once(monkeypatch) -> Callable[..., dict[str, tuple[str, object]]]:
    """Run each call in its own thread, all inside the service together; return, per name,
    ("ok", result), ("refused", the TransitionRefused) or ("error", anything else)."""
    locked, check = moderation._locked, moderation._check

    def run(**calls: Callable[[], object]) -> dict[str, tuple[str, object]]:
        barrier = threading.Barrier(len(calls), timeout=10)

        def meet_then_lock(case_study):
            barrier.wait()  # every thread is inside the service's transaction now
            return locked(case_study)

        def slow_check(*args, **kwargs):
            time.sleep(PAUSE)  # holding the row lock, if the service took one
            return check(*args, **kwargs)

        monkeypatch.setattr(moderation, "_locked", meet_then_lock)
        monkeypatch.setattr(moderation, "_check", slow_check)
        return in_threads(calls, refused=TransitionRefused)

    return run


def test_two_moderators_publishing_at_once_publish_exactly_once(
    case, member, moderator, second_moderator, at_once
):
    moderator.full_name = "Anna First"
    moderator.save()
    version = case.version

    outcomes = at_once(
        first=lambda: moderation.case_study_approve(actor=moderator, case_study=case),
        second=lambda: moderation.case_study_approve(actor=second_moderator, case_study=case),
    )

    kinds = sorted(kind for kind, _ in outcomes.values())
    assert kinds == ["ok", "refused"]
    winner = next(name for name, (kind, _) in outcomes.items() if kind == "ok")
    loser = "second" if winner == "first" else "first"
    assert outcomes[winner][1] is True
    message = str(outcomes[loser][1])
    assert "This case is published now, so it cannot be published." in message
    winner_name = {"first": "Anna First", "second": "Bruno Second"}[winner]
    assert f"{winner_name} made it published" in message
    case.refresh_from_db()
    assert case.status == "published"
    assert case.version == version + 1
    assert ModerationEvent.objects.filter(case_study=case, to_status="published").count() == 1
    assert Approval.objects.filter(case_study=case).count() == 1
    assert [m.subject for m in mail.outbox if m.to == [member.email]] == [
        "[Practice Exchange] Published: Forged letters"
    ]


def test_publishing_and_rejecting_at_once_leaves_the_winners_decision(
    case, moderator, second_moderator, at_once
):
    outcomes = at_once(
        publish=lambda: moderation.case_study_approve(actor=moderator, case_study=case),
        reject=lambda: moderation.case_study_reject(
            actor=second_moderator, case_study=case, comment="Duplicate of an earlier case."
        ),
    )

    assert sorted(kind for kind, _ in outcomes.values()) == ["ok", "refused"]
    winner = next(name for name, (kind, _) in outcomes.items() if kind == "ok")
    loser = "reject" if winner == "publish" else "publish"
    final = {"publish": "published", "reject": "rejected"}
    case.refresh_from_db()
    assert case.status == final[winner]
    assert f"This case is {final[winner]} now" in str(outcomes[loser][1])
    transitions = ModerationEvent.objects.filter(case_study=case, kind="transition")
    assert list(transitions.values_list("from_status", "to_status")) == [
        ("submitted", final[winner])
    ]
    assert Approval.objects.filter(case_study=case).count() == (1 if winner == "publish" else 0)


def test_two_approvals_at_once_under_four_eyes_publish_once_with_both_counted(
    settings, case, moderator, second_moderator, at_once
):
    settings.MODERATION_APPROVALS = {"green": 2}

    outcomes = at_once(
        first=lambda: moderation.case_study_approve(actor=moderator, case_study=case),
        second=lambda: moderation.case_study_approve(actor=second_moderator, case_study=case),
    )

    assert sorted(result for _, result in outcomes.values()) == [False, True]
    case.refresh_from_db()
    assert case.status == "published"
    assert Approval.objects.filter(case_study=case, round=1).count() == 2
    assert ModerationEvent.objects.filter(case_study=case, kind="approval").count() == 1
    assert ModerationEvent.objects.filter(case_study=case, to_status="published").count() == 1
