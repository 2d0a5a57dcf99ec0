"""The reference consumer (examples/consumer/consumer.py) against a live portal on loopback."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest
from django.core.cache import cache

from accounts.authentication import TokenActor
from accounts.models import ApiToken, User
from accounts.services import api_token_create, api_token_revoke
from portal.api import ActorRateThrottle
from practices.models import CaseStudy
from practices.moderation import transitions as moderation
from practices.sync import signing
from tests.factories import OrganisationFactory, UserFactory
from tests.practices.sync.test_feed import draft_case, published_case

CONSUMER_PATH = Path(__file__).resolve().parents[2] / "examples" / "consumer" / "consumer.py"


@pytest.fixture(scope="module")
def consumer() -> ModuleType:
    """The example program, imported from its file as an integrator would run it."""
    spec = importlib.util.spec_from_file_location("reference_consumer", CONSUMER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture
def seeded(transactional_db) -> dict:
    """A consumer organisation with a token, and cases it may and may not read.

    Committed for real (transactional_db): the live server reads through its own thread.
    """
    mine = OrganisationFactory(name="Mirror Office", short_name="MO")
    theirs = OrganisationFactory(name="Author Office", short_name="AO")
    third = OrganisationFactory(name="Third Office", short_name="TO")
    author = UserFactory(organisation=theirs)
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub")
    moderator = UserFactory(organisation=hub, is_moderator=True)
    token, secret = api_token_create(actor=None, organisation=mine, name="mirror")
    cases = {
        "green": published_case(author, moderator, title="Published green"),
        "amber_for_us": published_case(
            author, moderator, title="Amber for us", tlp="amber", recipients=[mine]
        ),
        "amber_not_for_us": published_case(
            author, moderator, title="Amber for others", tlp="amber", recipients=[third]
        ),
        "their_draft": draft_case(author, title="Their draft"),
        "our_draft": draft_case(UserFactory(organisation=mine), title="Our draft"),
    }
    return {
        "token": token,
        "secret": secret,
        "cases": cases,
        "admin": UserFactory(organisation=theirs, role=User.Role.ADMIN),
    }


def mirrored(path: Path) -> dict[str, tuple]:
    with sqlite3.connect(path) as db:
        return {
            uuid: (version, status, tlp, title)
            for uuid, version, status, tlp, title in db.execute(
                "SELECT uuid, version, status, tlp, title FROM cases"
            )
        }


def allowed(token: ApiToken) -> dict[str, tuple]:
    return {
        str(uuid): (version, status, tlp, title)
        for uuid, version, status, tlp, title in CaseStudy.objects.visible_to(
            TokenActor(token)
        ).values_list("uuid", "version", "status", "tlp", "title")
    }


# --- Following the feed into SQLite ---------------------------------------------------------


def test_sync_copies_exactly_what_the_token_may_see(consumer, live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"

    result = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)

    assert mirrored(path) == allowed(seeded["token"])
    cases = seeded["cases"]
    assert set(mirrored(path)) == {
        str(cases[key].uuid) for key in ("green", "amber_for_us", "our_draft")
    }
    assert result.written == 3 and result.removed == 0
    with sqlite3.connect(path) as db:
        [(document,)] = db.execute(
            "SELECT json FROM cases WHERE uuid = ?", (str(cases["green"].uuid),)
        )
    assert json.loads(document)["title"] == "Published green"


def test_a_withdrawn_case_is_gone_after_the_next_sync(consumer, live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"
    consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)
    green = seeded["cases"]["green"]

    moderation.case_study_withdraw(actor=seeded["admin"], case_study=green, comment="Outdated.")
    result = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)

    assert str(green.uuid) not in mirrored(path)
    assert mirrored(path) == allowed(seeded["token"])
    assert (result.pages, result.written, result.removed) == (1, 0, 1)


def test_small_pages_reach_the_same_copy(consumer, live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"

    result = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path, limit=1)

    assert result.pages > 3
    assert mirrored(path) == allowed(seeded["token"])


def test_a_restart_resumes_from_the_stored_cursor(consumer, live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"
    first = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)

    again = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)

    assert (again.pages, again.written, again.removed) == (1, 0, 0)
    assert again.cursor == first.cursor
    with sqlite3.connect(path) as db:
        [(stored,)] = db.execute("SELECT value FROM sync_state WHERE key = 'cursor'")
    assert stored == first.cursor


def test_the_command_line_drains_the_feed_once_and_exits(consumer, live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"

    status = consumer.main(
        ["--base-url", live_server.url, "--token", seeded["secret"], "--db", str(path), "--once"]
    )

    assert status == 0
    assert mirrored(path) == allowed(seeded["token"])


def test_the_program_runs_with_the_standard_library_alone(live_server, seeded, tmp_path):
    path = tmp_path / "copy.sqlite3"
    # -S: no site-packages (so no Django, no requests); -I: nothing from the environment.
    command = [sys.executable, "-S", "-I", str(CONSUMER_PATH), "--base-url", live_server.url]

    finished = subprocess.run(  # noqa: S603 - our own interpreter and file
        [*command, "--token", seeded["secret"], "--db", str(path), "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert mirrored(path) == allowed(seeded["token"])


# --- Failures -------------------------------------------------------------------------------


def test_a_429_is_waited_out_for_the_retry_after_seconds(
    consumer, live_server, seeded, tmp_path, monkeypatch
):
    monkeypatch.setattr(ActorRateThrottle, "THROTTLE_RATES", {"token": "1/min"})
    waits = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        cache.clear()  # the minute passes: the rate limit forgets the earlier request

    client = consumer.FeedClient(base_url=live_server.url, token=seeded["secret"], sleep=sleep)
    path = tmp_path / "copy.sqlite3"

    result = consumer.sync(
        base_url=live_server.url, token=seeded["secret"], db_path=path, limit=2, client=client
    )

    assert result.pages >= 2
    assert len(waits) == result.pages - 1
    assert all(50 <= seconds <= 60 for seconds in waits)  # Retry-After, not a guess
    assert mirrored(path) == allowed(seeded["token"])


class FlakyNetwork(urllib.request.BaseHandler):
    """Fails the first requests as a bad network or an overloaded proxy would."""

    handler_order = 100  # before the real HTTP handler

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures

    def http_open(self, request):
        if self.failures:
            raise self.failures.pop(0)
        return None  # let the real handler send it


def _bad_gateway(url: str) -> urllib.error.HTTPError:
    return urllib.error.HTTPError(url, 502, "Bad Gateway", {}, None)


def test_transient_failures_are_retried_with_growing_back_off(
    consumer, live_server, seeded, tmp_path
):
    failures = [
        urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
        TimeoutError("timed out"),
        _bad_gateway(live_server.url),
    ]
    waits = []
    client = consumer.FeedClient(
        base_url=live_server.url,
        token=seeded["secret"],
        sleep=waits.append,
        opener=urllib.request.build_opener(FlakyNetwork(failures)),
    )
    path = tmp_path / "copy.sqlite3"

    consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path, client=client)

    assert failures == []
    assert len(waits) == 3
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2 and 2 <= waits[2] <= 4
    assert mirrored(path) == allowed(seeded["token"])


def test_it_gives_up_after_the_last_attempt_and_keeps_the_copy(
    consumer, live_server, seeded, tmp_path
):
    path = tmp_path / "copy.sqlite3"
    first = consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)
    client = consumer.FeedClient(
        base_url=live_server.url,
        token=seeded["secret"],
        max_attempts=3,
        sleep=lambda seconds: None,
        opener=urllib.request.build_opener(
            FlakyNetwork([_bad_gateway(live_server.url) for _ in range(3)])
        ),
    )

    with pytest.raises(consumer.FeedError, match="Gave up after 3 attempts"):
        consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path, client=client)

    assert mirrored(path) == allowed(seeded["token"])
    assert (
        consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path).cursor
        == first.cursor
    )


def test_a_revoked_token_stops_the_sync_with_the_reason(consumer, live_server, seeded, tmp_path):
    api_token_revoke(actor=None, token=seeded["token"])
    path = tmp_path / "copy.sqlite3"

    with pytest.raises(consumer.FeedError, match="token was refused"):
        consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)

    assert mirrored(path) == {}


def test_a_cursor_the_server_rejects_stops_the_sync_and_says_what_to_do(
    consumer, live_server, seeded, tmp_path
):
    path = tmp_path / "copy.sqlite3"
    consumer.open_copy(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO sync_state (key, value) VALUES ('cursor', 'not-a-cursor')")

    with pytest.raises(consumer.FeedError, match="fresh copy"):
        consumer.sync(base_url=live_server.url, token=seeded["secret"], db_path=path)


def test_the_command_line_reports_an_error_and_exits_non_zero(
    consumer, live_server, seeded, tmp_path, capsys
):
    arguments = ["--base-url", live_server.url, "--token", "cdpe_bad_token", "--once"]

    status = consumer.main([*arguments, "--db", str(tmp_path / "copy.sqlite3")])

    assert status == 1
    assert "token was refused" in capsys.readouterr().err


@pytest.mark.parametrize(
    "base_url", ["http://exchange.example.org", "ftp://exchange.example.org", "exchange.example"]
)
def test_the_token_is_never_sent_in_clear_text_beyond_loopback(consumer, base_url):
    with pytest.raises(ValueError, match="https://"):
        consumer.FeedClient(base_url=base_url, token="cdpe_x_y")


# --- Webhook signatures ---------------------------------------------------------------------

SECRET = "whsec-test-secret"
BODY = b'{"event":"case.updated","id":"3f1c","seq":12,"case":{"uuid":"3f1c"}}'


def signed(body: bytes = BODY, *, timestamp: int | None = None, secret: str = SECRET) -> dict:
    """Headers as the portal sends them (practices/sync/webhooks.py documents the format)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {
        "X-Exchange-Timestamp": str(timestamp),
        "X-Exchange-Signature": f"v1={mac.hexdigest()}",
        "X-Exchange-Event": "case.updated",
    }


def test_a_correct_signature_is_accepted(consumer):
    assert consumer.verify_webhook(SECRET, signed(), BODY) is True


def test_a_delivery_signed_by_the_portal_is_accepted(consumer):
    timestamp = str(int(time.time()))
    headers = {
        signing.HEADER_TIMESTAMP: timestamp,
        signing.HEADER_SIGNATURE: signing.signature(SECRET, timestamp, BODY),
    }

    assert consumer.verify_webhook(SECRET, headers, BODY) is True
    assert consumer.verify_webhook(SECRET, headers, BODY + b" ") is False


def test_header_names_are_matched_whatever_their_case(consumer):
    headers = {name.lower(): value for name, value in signed().items()}

    assert consumer.verify_webhook(SECRET, headers, BODY) is True


def test_one_matching_signature_among_several_is_enough(consumer):
    headers = signed()
    headers["X-Exchange-Signature"] = "v1=" + "0" * 64 + ", " + headers["X-Exchange-Signature"]

    assert consumer.verify_webhook(SECRET, headers, BODY) is True


def test_a_tampered_body_is_rejected(consumer):
    tampered = BODY.replace(b'"seq":12', b'"seq":13')

    assert consumer.verify_webhook(SECRET, signed(), tampered) is False


def test_a_signature_made_with_another_secret_is_rejected(consumer):
    assert consumer.verify_webhook(SECRET, signed(secret="someone-else"), BODY) is False


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_a_timestamp_more_than_five_minutes_away_is_rejected(consumer, age):
    now = time.time()
    headers = signed(timestamp=int(now) - age)

    assert consumer.verify_webhook(SECRET, headers, BODY, now=now) is False


def test_a_timestamp_within_five_minutes_is_accepted(consumer):
    now = time.time()

    assert consumer.verify_webhook(SECRET, signed(timestamp=int(now) - 299), BODY, now=now)


def test_a_changed_timestamp_invalidates_the_signature(consumer):
    headers = signed()
    headers["X-Exchange-Timestamp"] = str(int(headers["X-Exchange-Timestamp"]) - 1)

    assert consumer.verify_webhook(SECRET, headers, BODY) is False


@pytest.mark.parametrize("missing", ["X-Exchange-Timestamp", "X-Exchange-Signature"])
def test_a_delivery_without_its_headers_is_rejected(consumer, missing):
    headers = signed()
    del headers[missing]

    assert consumer.verify_webhook(SECRET, headers, BODY) is False
