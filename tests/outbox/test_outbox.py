"""The e-mail outbox: mail is stored with the change, sent after commit, swept after a broker
outage, retried with back-off on SMTP failures, and sent once however many workers try."""

from __future__ import annotations

import datetime
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts
from outbox import services
from outbox.models import Email
from outbox.tasks import email_send, emails_sweep
from practices.models import CaseStudy, Taxonomy, Term
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that cannot be reached."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("Connection refused")


def _submitted(org, member) -> CaseStudy:
    terms = []
    for slug, code in [("disarm-red", "T0002"), ("country", "EE"), ("region", "euro-atlantic")]:
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        terms.append(Term.objects.create(taxonomy=taxonomy, code=code, label=code))
    return CaseStudyFactory(
        organisation=org,
        created_by=member,
        status="submitted",
        tlp="green",
        title="Forged letters",
        incident="Forged letters.",
        incident_start=datetime.date(2025, 1, 1),
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        submission_round=1,
        submitted_at=timezone.now(),
        terms=terms,
    )


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_moderator_publishes_and_the_sweeper_sends_the_mail_once(
    org, member, moderator, broker_down
):
    case = _submitted(org, member)
    enrol_totp(moderator)
    client = Client(raise_request_exception=True)
    client.force_login(moderator)

    response = client.post(
        reverse("practices:case-act", args=[case.uuid, "publish"]), {"comment": ""}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "published"
    [stored] = Email.objects.all()
    assert stored.status == "pending"
    assert stored.to == [member.email]
    assert stored.subject == "[Practice Exchange] Published: Forged letters"
    assert mail.outbox == []

    broker_down()  # the broker is back
    emails_sweep.delay()
    emails_sweep.delay()

    assert [message.subject for message in mail.outbox] == [
        "[Practice Exchange] Published: Forged letters"
    ]
    stored.refresh_from_db()
    assert stored.status == "sent"
    assert stored.body == "" and stored.html_body == ""  # nothing kept once sent


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_an_invitation_is_made_and_its_mail_kept(org, org_admin, broker_down):
    invitation, _ = accounts.invitation_create(
        actor=org_admin, organisation=org, email="new@org.test"
    )

    [stored] = Email.objects.all()
    assert stored.status == "pending"
    assert stored.reference == f"invitation:{invitation.pk}"
    assert stored.to == ["new@org.test"]

    broker_down()  # the broker is back
    emails_sweep.delay()

    [message] = mail.outbox
    assert "/invitations/" in message.body or "invitation" in message.body.lower()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_invitation_is_not_mailed_once_the_broker_is_back(org, org_admin, broker_down):
    invitation, _ = accounts.invitation_create(
        actor=org_admin, organisation=org, email="new@org.test"
    )
    accounts.invitation_revoke(actor=org_admin, invitation=invitation)

    broker_down()  # the broker is back
    emails_sweep.delay()

    assert mail.outbox == []
    assert Email.objects.get().status == "cancelled"


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_is_mailed_through_the_outbox(client, member):
    response = client.post(reverse("account_reset_password"), {"email": member.email})

    assert response.status_code == 302
    [stored] = Email.objects.all()
    assert stored.to == [member.email]
    assert stored.status == "sent"
    [message] = mail.outbox
    assert message.to == [member.email]


def test_smtp_failures_are_retried_with_back_off_then_given_up(db, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        email = services.email_queue(to=["a@example.org"], subject="Hello", body="Text")
        assert email_send.delay(email.pk).get() == "pending"
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.next_attempt_at == start + timedelta(seconds=60)
    assert "ConnectionRefusedError" in email.last_error

    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert services.emails_due() == []  # not due yet
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        emails_sweep.delay()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 2)
    assert email.next_attempt_at == start + timedelta(seconds=61 + 120)

    with time_machine.travel(start + timedelta(seconds=61 + 121), tick=False):
        emails_sweep.delay()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert email.body == "Text"  # kept, so an operator can send it again from the admin
    assert mail.outbox == []


def test_a_message_is_sent_once_however_often_it_is_asked_for(db):
    email = services.email_queue(to=["a@example.org"], subject="Hello", body="Text")

    outcomes = [services.email_send(email_pk=email.pk).status for _ in range(3)]

    assert outcomes == ["sent", "not-due", "not-due"]
    assert len(mail.outbox) == 1


def test_the_claim_of_a_worker_that_died_mid_send_is_released_by_the_sweeper(db):
    email = services.email_queue(to=["a@example.org"], subject="Hello", body="Text")
    Email.objects.filter(pk=email.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=11)
    )

    emails_sweep.delay()

    email.refresh_from_db()
    assert email.status == "sent"
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_message_at_once_send_it_once():
    # Stored as the service stores it, but not handed to (eager) Celery on commit.
    email = Email.objects.create(to=["a@example.org"], subject="Hello", body="Text")
    barrier = threading.Barrier(4, timeout=10)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcomes.append(services.email_send(email_pk=email.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["not-due", "not-due", "not-due", "sent"]
    assert len(mail.outbox) == 1
