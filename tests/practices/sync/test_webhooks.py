"""Webhooks: outbox written with the change, signed delivery with back-off, target checks,
visibility of what receivers get, and the admin pages.

Deliveries go to a real HTTP server the tests start on 127.0.0.1 (allowed through
WEBHOOK_ALLOW_PRIVATE_TARGETS); DNS is simulated by replacing ``targets._resolve``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import Organisation
from practices import tasks
from practices.cases import services
from practices.models import (
    AuditEvent,
    CaseChange,
    CaseStudy,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from practices.sync import feed, signing, targets
from tests.factories import CaseStudyFactory, OrganisationFactory

ALL_TYPES = WebhookEndpoint.EventType.values
PUBLISHED, UPDATED, REMOVED = ALL_TYPES
Status = WebhookEvent.Status
PUBLIC_IP = "93.184.216.34"


# --- A receiver on loopback --------------------------------------------------------------------


@dataclass
class Receiver:
    url: str = ""
    codes: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.requests.append((self.path, headers, body))
            self.send_response(state.codes.pop(0) if state.codes else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook?source=portal"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to one public address."""
    monkeypatch.setattr(targets, "_resolve", lambda host, port: [PUBLIC_IP])


@pytest.fixture
def third_org(db) -> Organisation:
    return OrganisationFactory(name="Korean Test Office", short_name="KR TO", country="KR")


def make_endpoint(
    organisation: Organisation, url: str = "https://hooks.example.test/in", types=None
) -> tuple[WebhookEndpoint, str]:
    secret = "whsec_test-" + organisation.slug
    endpoint = WebhookEndpoint.objects.create(
        organisation=organisation,
        url=url,
        secret_encrypted=signing.secret_encrypt(secret),
        event_types=list(types or ALL_TYPES),
    )
    return endpoint, secret


def write(case: CaseStudy, *, recipients=None, **fields) -> CaseStudy:
    """Change a case the way every service ends: save, then record the feed entry."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(case, name, value)
        case.save()
        if recipients is not None:
            case.recipients.set(recipients)
        feed.change_record(case)
    return case


def events_of(endpoint: WebhookEndpoint) -> list[WebhookEvent]:
    return list(endpoint.events.order_by("id"))


@pytest.fixture
def retry_countdowns(monkeypatch) -> list[int]:
    """The countdowns webhook_deliver asks Celery to retry after (the task class is its own)."""
    task_class = type(tasks.webhook_deliver._get_current_object())
    original = task_class.retry
    seen: list[int] = []

    def spy(self, *args, **kwargs):
        seen.append(kwargs["countdown"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(task_class, "retry", spy)
    return seen


# --- Signing ------------------------------------------------------------------------------------


def test_signature_matches_an_independent_hmac_and_refuses_a_tampered_body():
    secret, timestamp, body = "whsec_abc", "1767225600", b'{"event":"case.updated"}'
    independent = hmac.new(secret.encode(), b"1767225600." + body, hashlib.sha256).hexdigest()

    header = signing.signature(secret, timestamp, body)

    assert header == f"v1={independent}"
    now = 1767225600 + 10
    assert signing.verify_signature(secret, timestamp, body, header, now=now)
    assert not signing.verify_signature(secret, timestamp, body + b" ", header, now=now)
    assert not signing.verify_signature("whsec_other", timestamp, body, header, now=now)
    assert not signing.verify_signature(secret, "1767225601", body, header, now=now)
    # A replay long after the fact is refused even with a valid signature.
    assert not signing.verify_signature(secret, timestamp, body, header, now=now + 3600)


def test_secret_is_stored_encrypted_and_decrypts():
    token = signing.secret_encrypt("whsec_plain")

    assert "whsec_plain" not in token
    assert signing.secret_decrypt(token) == "whsec_plain"


# --- The outbox ---------------------------------------------------------------------------------


def test_outbox_event_is_written_in_the_transaction_of_the_change(
    org, other_org, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(other_org)
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        write(case, title="Changed")
        assert endpoint.events.count() == 1  # inside the transaction, with the change
        raise RuntimeError("the change fails after the event was written")

    assert not CaseChange.objects.exists()
    assert not WebhookEvent.objects.exists()
    assert callbacks == []  # nothing is enqueued for a change that never happened

    with django_capture_on_commit_callbacks() as callbacks:
        write(case, title="Changed")
    assert [e.event_type for e in events_of(endpoint)] == [PUBLISHED]
    assert len(callbacks) == 1


def test_outbox_queries_do_not_grow_with_the_number_of_endpoints(org, other_org, third_org):
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")
    make_endpoint(other_org)
    write(case)
    with CaptureQueriesContext(connection) as one:
        write(case, title="Again")

    make_endpoint(third_org)
    make_endpoint(org)
    make_endpoint(OrganisationFactory())
    with CaptureQueriesContext(connection) as four:
        write(case, title="Once more")

    assert WebhookEvent.objects.filter(payload__case__title="Once more").count() == 4
    assert len(four) == len(one)


def test_only_subscribed_event_types_are_written(org, other_org):
    removed_only, _ = make_endpoint(other_org, types=[REMOVED])
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    write(case)
    assert events_of(removed_only) == []

    write(case, tlp="amber")
    assert [e.event_type for e in events_of(removed_only)] == [REMOVED]


# --- What receivers get -------------------------------------------------------------------------


def test_non_recipient_gets_nothing_for_an_amber_case(org, other_org, third_org):
    outsider_endpoint, _ = make_endpoint(other_org)
    recipient_endpoint, _ = make_endpoint(third_org)
    own_endpoint, _ = make_endpoint(org)
    case = CaseStudyFactory(
        organisation=org, status="published", tlp="amber", recipients=[third_org]
    )

    write(case)
    write(case, title="Amended")

    assert events_of(outsider_endpoint) == []
    assert [e.event_type for e in events_of(recipient_endpoint)] == [PUBLISHED, UPDATED]
    assert [e.event_type for e in events_of(own_endpoint)] == [PUBLISHED, UPDATED]
    # Only the originator learns whom else the case went to.
    assert events_of(recipient_endpoint)[0].payload["case"]["recipients"] is None
    assert events_of(own_endpoint)[0].payload["case"]["recipients"] == [third_org.slug]


def test_drafts_reach_only_their_own_organisation(org, other_org):
    own_endpoint, _ = make_endpoint(org)
    other_endpoint, _ = make_endpoint(other_org)
    case = CaseStudyFactory(organisation=org, status="draft", tlp="clear")

    write(case)
    write(case, status="published")

    assert [e.event_type for e in events_of(own_endpoint)] == [UPDATED, PUBLISHED]
    assert [e.event_type for e in events_of(other_endpoint)] == [PUBLISHED]


def test_anonymised_case_payload_hides_the_originator(org, other_org):
    other_endpoint, _ = make_endpoint(other_org)
    own_endpoint, _ = make_endpoint(org)
    case = CaseStudyFactory(
        organisation=org, status="published", tlp="green", attribution_mode="anonymised"
    )

    write(case)

    [event] = events_of(other_endpoint)
    payload = event.payload
    assert payload["event"] == PUBLISHED
    assert payload["id"] == str(event.uuid)
    assert payload["seq"] == CaseChange.objects.get().seq
    assert payload["case"]["uuid"] == str(case.uuid)
    assert payload["case"]["originator"] == {
        "anonymised": True,
        "name": None,
        "short_name": None,
        "slug": None,
        "country": None,
        "region": org.region,
    }
    assert org.name not in json.dumps(payload)
    assert org.slug not in json.dumps(payload)
    # Its own organisation still sees itself named.
    assert events_of(own_endpoint)[0].payload["case"]["originator"]["name"] == org.name


def test_raising_tlp_from_green_to_amber_sends_case_removed_once(org, other_org):
    endpoint, _ = make_endpoint(other_org)
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")
    write(case)

    write(case, tlp="amber")
    write(case, title="Edited while amber")

    published, removed = events_of(endpoint)
    assert published.event_type == PUBLISHED
    assert removed.event_type == REMOVED
    assert removed.payload["case"] == {"uuid": str(case.uuid)}
    assert "title" not in json.dumps(removed.payload)

    # Named as recipient later, the case appears again as published.
    write(case, recipients=[other_org])
    assert [e.event_type for e in events_of(endpoint)] == [PUBLISHED, REMOVED, PUBLISHED]


def test_deleted_draft_is_removed_for_its_own_organisation(org, member):
    endpoint, _ = make_endpoint(org)
    case = services.case_study_create(actor=member, title="Soon gone")

    services.case_study_delete(actor=member, case_study=case)

    assert [e.event_type for e in events_of(endpoint)] == [UPDATED, REMOVED]


# --- Delivery -----------------------------------------------------------------------------------


def test_delivery_posts_the_signed_event_to_the_receiver(
    org, other_org, receiver, allow_private, django_capture_on_commit_callbacks
):
    endpoint, secret = make_endpoint(other_org, url=receiver.url)
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    with django_capture_on_commit_callbacks(execute=True):
        write(case)

    [(path, headers, body)] = receiver.requests
    event = WebhookEvent.objects.get()
    assert path == "/hook?source=portal"
    assert headers["content-type"] == "application/json"
    assert headers["x-exchange-event"] == PUBLISHED
    assert headers["x-exchange-delivery"] == str(event.uuid)
    assert abs(int(headers["x-exchange-timestamp"]) - time.time()) < 60
    assert signing.verify_signature(
        secret, headers["x-exchange-timestamp"], body, headers["x-exchange-signature"]
    )
    assert json.loads(body) == event.payload
    assert event.status == Status.DELIVERED
    assert event.attempts == 1
    assert event.delivered_at is not None
    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.attempt, delivery.status_code, delivery.error) == (1, 200, "")
    assert endpoint.events.count() == 1


def test_failed_attempts_are_retried_with_exponential_back_off(
    org,
    other_org,
    receiver,
    allow_private,
    retry_countdowns,
    django_capture_on_commit_callbacks,
):
    make_endpoint(other_org, url=receiver.url)
    receiver.codes = [500, 500]
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    with time_machine.travel("2030-03-01 12:00:00 +0000", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            write(case)
        event = WebhookEvent.objects.get()
        waits = []
        while event.status == Status.PENDING and event.next_attempt_at is not None:
            started = event.deliveries.last().created_at
            waits.append((event.next_attempt_at - started).total_seconds())
            # Not due yet: the sweeper leaves it alone.
            assert tasks.webhooks_sweep.delay().get() == 0
            clock.move_to(event.next_attempt_at)
            tasks.webhooks_sweep.delay()
            event.refresh_from_db()

    assert event.status == Status.DELIVERED
    assert list(event.deliveries.values_list("attempt", "status_code")) == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    assert retry_countdowns == [60, 120]
    assert waits == [60, 120]
    assert len(receiver.requests) == 3
    # Every attempt is signed afresh, but is the same event.
    assert {h["x-exchange-delivery"] for _, h, _ in receiver.requests} == {str(event.uuid)}


def test_delivery_gives_up_after_the_maximum_attempts(
    org, other_org, receiver, allow_private, settings, retry_countdowns
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    make_endpoint(other_org, url=receiver.url)
    receiver.codes = [503] * 10
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    with time_machine.travel("2030-03-01 12:00:00 +0000", tick=False) as clock:
        write(case)  # the on-commit enqueue never runs here: the sweeper sends it
        for _ in range(6):
            tasks.webhooks_sweep.delay()
            clock.shift(3600)

    event = WebhookEvent.objects.get()
    assert event.status == Status.FAILED
    assert event.attempts == 3
    assert event.next_attempt_at is None
    assert list(event.deliveries.values_list("status_code", flat=True)) == [503, 503, 503]
    assert retry_countdowns == [60, 120]
    assert len(receiver.requests) == 3


def test_broker_outage_keeps_the_event_and_the_sweeper_delivers_it(
    org, member, receiver, allow_private, monkeypatch, django_capture_on_commit_callbacks
):
    draft = services.case_study_create(actor=member, title="Draft")
    make_endpoint(org, url=receiver.url)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.webhook_deliver, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            updated = services.case_study_update(
                actor=member,
                case_study=draft,
                expected_version=draft.version,
                fields={"title": "Renamed during the outage"},
            )

    assert updated.title == "Renamed during the outage"
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (Status.PENDING, 0)
    assert receiver.requests == []

    assert tasks.webhooks_sweep.delay().get() == 1

    event.refresh_from_db()
    assert event.status == Status.DELIVERED
    [(_, headers, body)] = receiver.requests
    assert headers["x-exchange-event"] == UPDATED
    assert json.loads(body)["case"]["title"] == "Renamed during the outage"


def test_delivery_is_refused_when_the_host_now_resolves_to_a_private_address(
    org, other_org, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint(other_org, url="https://hooks.example.test/in")
    monkeypatch.setattr(targets, "_resolve", lambda host, port: ["10.0.0.5"])
    connections = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")

    with django_capture_on_commit_callbacks(execute=True):
        write(case)

    event = WebhookEvent.objects.get()
    [delivery] = event.deliveries.all()
    assert connections == []
    assert delivery.status_code is None
    assert "10.0.0.5" in delivery.error and "internal address" in delivery.error
    assert event.status == Status.PENDING  # retried later: DNS may be fixed by then


def test_an_event_the_organisation_may_no_longer_read_is_not_sent(
    org, other_org, receiver, allow_private
):
    make_endpoint(other_org, url=receiver.url)
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")
    write(case)  # written, not yet sent
    write(case, tlp="amber")  # now other_org may not read it

    tasks.webhooks_sweep.delay()

    published, removed = WebhookEvent.objects.order_by("id")
    assert published.status == Status.SKIPPED
    assert "may no longer read" in published.deliveries.get().error
    assert removed.status == Status.DELIVERED
    [(_, headers, body)] = receiver.requests
    assert headers["x-exchange-event"] == REMOVED
    assert case.title not in body.decode()


def test_an_event_naming_an_adopter_anonymised_since_is_not_sent(
    org, other_org, receiver, allow_private
):
    import datetime

    from practices.hub import adoptions
    from tests.factories import UserFactory

    adopter = UserFactory(organisation=OrganisationFactory(name="Quiet Adopter Office"))
    make_endpoint(other_org, url=receiver.url)
    case = CaseStudyFactory(organisation=org, status="published", tlp="green")
    adoption = adoptions.adoption_record(
        actor=adopter,
        case_study=case,
        applied_on=datetime.date(2026, 3, 1),
        where="Seoul",
        adaptation="A hotline.",
        effect="highly_effective",
        evidence="measured",
    )  # an event naming the adopter is written, not yet sent
    adoptions.adoption_update(actor=adopter, adoption=adoption, attribution_mode="anonymised")

    tasks.webhooks_sweep.delay()

    named, anonymised = WebhookEvent.objects.order_by("id")
    assert "Quiet Adopter Office" in json.dumps(named.payload)
    assert named.status == Status.SKIPPED
    assert "adopter has been anonymised" in named.deliveries.get().error
    assert anonymised.status == Status.DELIVERED
    assert all(b"Quiet Adopter Office" not in body for _path, _headers, body in receiver.requests)


@pytest.mark.parametrize(
    ("change", "hidden"),
    [({"attribution_mode": "anonymised"}, "Japanese Test Office"), ({"tlp": "amber"}, "Later")],
)
def test_the_log_does_not_show_a_payload_the_organisation_may_no_longer_see(
    admin_client, org, other_org, receiver, allow_private, change, hidden
):
    endpoint, _ = make_endpoint(org, url=receiver.url)
    case = CaseStudyFactory(organisation=other_org, status="published", tlp="green", title="Later")
    write(case)  # written while the organisation may read it and its originator is named
    event = WebhookEvent.objects.get()
    page = admin_client.get(reverse("webhooks:event", args=[endpoint.uuid, event.uuid]))
    assert hidden in page.content.decode()
    write(case, **change)
    page = admin_client.get(reverse("webhooks:event", args=[endpoint.uuid, event.uuid]))
    assert page.status_code == 200
    assert hidden not in page.content.decode()
    assert "may no longer see what this event carried" in page.content.decode()


# --- Registration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://127.0.0.1/hook", "internal address"),
        ("https://10.0.0.1/hook", "internal address"),
        ("https://192.168.1.1/hook", "internal address"),
        ("https://169.254.169.254/latest/meta-data", "internal address"),
        ("https://[::1]/hook", "internal address"),
        ("https://localhost/hook", "internal address"),
        ("http://hooks.example.test/hook", "Use an https:// address"),
    ],
)
def test_registration_refuses_private_and_plain_http_targets(admin_client, url, message):
    response = admin_client.post(reverse("webhooks:create"), {"url": url, "event_types": ALL_TYPES})

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert 'id="id_url_error"' in content  # shown next to the field
    assert not WebhookEndpoint.objects.exists()


def test_registration_refuses_a_host_that_does_not_resolve(admin_client, monkeypatch):
    def nxdomain(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(targets, "_resolve", nxdomain)

    response = admin_client.post(
        reverse("webhooks:create"), {"url": "https://nowhere.invalid/", "event_types": [UPDATED]}
    )

    assert response.status_code == 400
    assert "could not be resolved" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_registration_shows_the_secret_once_and_keeps_it_encrypted(admin_client, org, public_dns):
    response = admin_client.post(
        reverse("webhooks:create"),
        {"url": "https://hooks.example.test/in", "event_types": [PUBLISHED, REMOVED]},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    # Whole, selectable text with a Copy button (portal/static/portal/copy.js), not an input.
    content = response.content.decode()
    assert re.search(
        r'<code id="secret-value" class="secret-value"[^>]*>' + secret + "</code>", content
    )
    assert 'data-copy-target="secret-value"' in response.content.decode()
    assert endpoint.organisation == org
    assert endpoint.event_types == [PUBLISHED, REMOVED]
    assert secret not in endpoint.secret_encrypted
    assert signing.secret_decrypt(endpoint.secret_encrypted) == secret
    for url in (reverse("webhooks:list"), reverse("webhooks:detail", args=[endpoint.uuid])):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert secret not in page.content.decode()


# --- Pages --------------------------------------------------------------------------------------


def test_admin_sees_the_log_redelivers_deactivates_and_deletes(
    admin_client, org, other_org, receiver, allow_private, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(org, url=receiver.url)
    receiver.codes = [500]
    case = CaseStudyFactory(organisation=other_org, status="published", tlp="clear")
    with django_capture_on_commit_callbacks(execute=True):
        write(case)
    event = WebhookEvent.objects.get()

    log = admin_client.get(reverse("webhooks:detail", args=[endpoint.uuid])).content.decode()
    assert PUBLISHED in log and "HTTP 500" in log and "Redeliver" in log
    attempts = admin_client.get(reverse("webhooks:event", args=[endpoint.uuid, event.uuid]))
    assert attempts.status_code == 200 and case.title in attempts.content.decode()
    listing = admin_client.get(reverse("webhooks:list")).content.decode()
    assert receiver.url.replace("&", "&amp;") in listing and "X-Exchange-Signature" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("webhooks:redeliver", args=[endpoint.uuid, event.uuid])
        )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Status.DELIVERED
    assert list(event.deliveries.values_list("status_code", flat=True)) == [500, 200]

    admin_client.post(reverse("webhooks:deactivate", args=[endpoint.uuid]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    write(case, title="Not sent to a deactivated endpoint")
    assert endpoint.events.count() == 1

    admin_client.post(reverse("webhooks:delete", args=[endpoint.uuid]))
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_another_organisations_endpoint_and_event_answer_404(admin_client, org, other_org):
    endpoint, _ = make_endpoint(other_org)
    write(CaseStudyFactory(organisation=org, status="published", tlp="green"))
    event = endpoint.events.get()

    for name, args in [
        ("webhooks:detail", [endpoint.uuid]),
        ("webhooks:event", [endpoint.uuid, event.uuid]),
    ]:
        assert admin_client.get(reverse(name, args=args)).status_code == 404
    for name, args in [
        ("webhooks:redeliver", [endpoint.uuid, event.uuid]),
        ("webhooks:deactivate", [endpoint.uuid]),
        ("webhooks:delete", [endpoint.uuid]),
    ]:
        assert admin_client.post(reverse(name, args=args)).status_code == 404
    assert endpoint.url not in admin_client.get(reverse("webhooks:list")).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_member_gets_404_and_anonymous_is_sent_to_sign_in(client, member, org):
    endpoint, _ = make_endpoint(org)

    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302 and "login" in response["Location"]

    client.force_login(member)
    assert client.get(reverse("webhooks:list")).status_code == 404
    assert client.get(reverse("webhooks:detail", args=[endpoint.uuid])).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[endpoint.uuid])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


# --- Saying how to lift a refusal; "Send a test event" --------------------------------------


@pytest.mark.parametrize(
    "url", ["http://hooks.example.test/hook", "https://localhost/hook", "https://10.0.0.1/hook"]
)
def test_refusal_on_a_development_machine_names_the_switch(admin_client, settings, url):
    settings.DEBUG = True

    response = admin_client.post(reverse("webhooks:create"), {"url": url, "event_types": ALL_TYPES})

    assert response.status_code == 400
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS=true" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_refusal_of_an_unresolvable_host_offline_names_the_switch(
    admin_client, settings, monkeypatch
):
    settings.DEBUG = True

    def offline(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(targets, "_resolve", offline)

    response = admin_client.post(
        reverse("webhooks:create"), {"url": "https://hooks.example.test/", "event_types": ALL_TYPES}
    )

    content = response.content.decode()
    assert "could not be resolved" in content
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS" in content


def test_refusal_in_production_says_public_https_and_hides_the_switch(admin_client, settings):
    settings.DEBUG = False

    response = admin_client.post(
        reverse("webhooks:create"), {"url": "https://127.0.0.1/hook", "event_types": ALL_TYPES}
    )

    content = response.content.decode()
    assert "must be a public https:// address" in content
    assert "WEBHOOK_ALLOW_PRIVATE_TARGETS" not in content


def test_test_event_is_a_signed_ping_shown_on_the_page_and_audited(
    admin_client, org, receiver, allow_private
):
    endpoint, secret = make_endpoint(org, url=receiver.url)
    detail = admin_client.get(reverse("webhooks:detail", args=[endpoint.uuid])).content.decode()
    assert "Send a test event" in detail

    response = admin_client.post(reverse("webhooks:ping", args=[endpoint.uuid]), follow=True)

    [(path, headers, body)] = receiver.requests
    assert path == "/hook?source=portal"
    assert headers["x-exchange-event"] == "ping"
    assert signing.verify_signature(
        secret, headers["x-exchange-timestamp"], body, headers["x-exchange-signature"]
    )
    payload = json.loads(body)
    assert payload["event"] == "ping"
    assert payload["id"] == headers["x-exchange-delivery"]
    assert payload["endpoint"]["uuid"] == str(endpoint.uuid)
    assert "case" not in payload and "seq" not in payload
    page = response.content.decode()
    assert "Test event sent" in page and "answered HTTP 200 in" in page
    # Not a stored event: nothing to retry, nothing in the delivery log.
    assert not WebhookEvent.objects.exists()
    audit = AuditEvent.objects.get(object_id=str(endpoint.uuid))
    assert audit.changes["test_event"][1].startswith("HTTP 200 in ")
    assert audit.actor.email == "admin@org.test"


def test_failed_test_event_shows_the_status_and_what_to_check(
    admin_client, org, receiver, allow_private
):
    endpoint, _ = make_endpoint(org, url=receiver.url)
    receiver.codes = [503]

    response = admin_client.post(reverse("webhooks:ping", args=[endpoint.uuid]), follow=True)

    page = response.content.decode()
    assert "The test event failed (HTTP 503 in" in page
    assert "check the address" in page
    audit = AuditEvent.objects.get(object_id=str(endpoint.uuid))
    assert "HTTP 503" in audit.changes["test_event"][1]


def test_test_event_to_a_now_private_address_is_not_sent(admin_client, org, monkeypatch):
    endpoint, _ = make_endpoint(org)
    monkeypatch.setattr(targets, "_resolve", lambda host, port: ["10.0.0.5"])

    response = admin_client.post(reverse("webhooks:ping", args=[endpoint.uuid]), follow=True)

    page = response.content.decode()
    assert "The test event failed (no answer in" in page
    assert "internal address" in page


def test_test_event_is_refused_for_deactivated_and_foreign_endpoints(
    admin_client, org, other_org, receiver, allow_private
):
    endpoint, _ = make_endpoint(org, url=receiver.url)
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])
    foreign, _ = make_endpoint(other_org, url=receiver.url)

    response = admin_client.post(reverse("webhooks:ping", args=[endpoint.uuid]), follow=True)
    assert "deactivated" in response.content.decode()
    assert admin_client.post(reverse("webhooks:ping", args=[foreign.uuid])).status_code == 404
    assert admin_client.get(reverse("webhooks:ping", args=[endpoint.uuid])).status_code == 405
    assert receiver.requests == []


def test_opening_the_register_address_again_leads_to_the_form(admin_client):
    response = admin_client.get(reverse("webhooks:create"))

    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:list") + "#new-endpoint-title"
    page = admin_client.get(response["Location"]).content.decode()
    assert "shown only once" in page
    assert not WebhookEndpoint.objects.exists()
