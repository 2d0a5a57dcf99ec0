"""The change feed under concurrent writers, on PostgreSQL: a follower misses nothing.

Writers draft, edit, delete, submit, publish, revise (TLP and recipients) and withdraw cases
in parallel for a few seconds, each thread on its own connection. Some transactions stall
*after* taking their feed number and before committing — the classic trap in which a reader
sees number N+1 commit before N and moves its cursor past N for good. Meanwhile a consumer
follows `/api/v1/changes/` with a real token, applying upserts and tombstones to a dict. When
the writers stop and the consumer has drained the feed, its copy must be exactly what the token
may see: every case, at its last version and status, and nothing else.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.test import Client

from accounts.authentication import TokenActor
from accounts.models import Organisation, User
from accounts.services import api_token_create
from portal.api import ActorRateThrottle
from practices.cases import revisions as revision_drafts
from practices.cases import services
from practices.exceptions import PracticesError
from practices.models import CaseRevision, CaseStudy
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from practices.sync import feed
from tests.factories import OrganisationFactory, UserFactory
from tests.practices.sync.test_feed import FEED_URL, draft_case, published_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITE_SECONDS = 5.0
# On a loaded machine five seconds may not reach every kind of write; the writers then go on,
# up to this long, until each kind has happened (the race must really run, not just pass).
WRITE_SECONDS_MAX = 30.0
SLOW_SHARE = 0.25  # of writes stall after taking their number…
STALL_SECONDS = (0.05, 0.25)  # …for this long, still holding the transaction open
WRITE_KINDS = (
    "create", "edit", "submit", "publish", "delete", "withdraw", "revise", "approve revision",
)  # fmt: skip
PAGE_LIMIT = 7  # small pages: the consumer pages and folds while writers run
Status, TLP = CaseStudy.Status, CaseStudy.TLP


@dataclass
class Journal:
    """What happened, with monotonic timestamps, for the assertions at the end."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    stalls: list[tuple[int, float, float]] = field(default_factory=list)  # seq, from, to
    reads: list[tuple[float, float, int]] = field(default_factory=list)  # from, to, last seq
    writes: dict[str, int] = field(default_factory=dict)
    refused: int = 0
    failures: list[str] = field(default_factory=list)
    upserts: int = 0
    tombstones: int = 0

    def wrote(self, action: str) -> None:
        with self.lock:
            self.writes[action] = self.writes.get(action, 0) + 1

    def wrote_every(self, kinds: tuple[str, ...]) -> bool:
        with self.lock:
            return all(self.writes.get(kind) for kind in kinds)


def _seq_of(cursor: str) -> int:
    # Opaque to consumers; the test may look inside to check where the cursor stood.
    return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()[3:])


@pytest.fixture
def stalling_writes(monkeypatch) -> tuple[Journal, threading.local]:
    """Make some writes stall after ``_next_seq`` returns, inside their transaction."""
    journal, local = Journal(), threading.local()
    take_number = feed._next_seq

    def next_seq_then_maybe_stall():
        seq, at = take_number()
        rng = getattr(local, "rng", None)
        if rng is not None and rng.random() < SLOW_SHARE:
            started = time.monotonic()
            time.sleep(rng.uniform(*STALL_SECONDS))
            with journal.lock:
                journal.stalls.append((seq, started, time.monotonic()))
        return seq, at

    monkeypatch.setattr(feed, "_next_seq", next_seq_then_maybe_stall)
    # The consumer polls far faster than any real one; the rate limit is not under test.
    monkeypatch.setattr(
        ActorRateThrottle, "THROTTLE_RATES", {"token": None, "user": None, "anon": None}
    )
    return journal, local


@dataclass
class Cast:
    consumer: Organisation
    third: Organisation
    members: list[User]  # one writer per organisation, the consumer's own included
    admins: dict[int, User]  # organisation pk → its admin, who may withdraw
    moderator: User
    secret: str


@pytest.fixture
def cast(db) -> Cast:
    """Three writing organisations (the consumer's among them), each with a published case and
    a draft to act on from the first moment, a third organisation and a moderator."""
    consumer = OrganisationFactory(name="Consumer Office", short_name="CO")
    third = OrganisationFactory(name="Third Office", short_name="TO3")
    writers = [consumer, OrganisationFactory(short_name="WA"), OrganisationFactory(short_name="WB")]
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub")
    moderator = UserFactory(organisation=hub, is_moderator=True)
    members = [UserFactory(organisation=o) for o in writers]
    for member, tlp in zip(members, [TLP.GREEN, TLP.AMBER, TLP.CLEAR], strict=True):
        published_case(member, moderator, title="Seeded", tlp=tlp, recipients=[consumer, third])
        draft_case(member, title="Seeded draft")
    _, secret = api_token_create(actor=None, organisation=consumer, name="mirror")
    return Cast(
        consumer=consumer,
        third=third,
        members=members,
        admins={o.pk: UserFactory(organisation=o, role=User.Role.ADMIN) for o in writers},
        moderator=moderator,
        secret=secret,
    )


def _audience(rng: random.Random, cast: Cast) -> tuple[str, list[Organisation]]:
    """A TLP and recipients: sometimes naming the consumer, sometimes not."""
    tlp = rng.choice([TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER, TLP.AMBER_STRICT])
    if tlp not in CaseStudy.RESTRICTED_TLPS:
        return tlp, []
    pool = [cast.consumer, cast.third]
    return tlp, rng.sample(pool, rng.randint(1, len(pool)))


def _pick(author: User, *statuses: str, **filters) -> CaseStudy | None:
    return (
        CaseStudy.objects.filter(organisation_id=author.organisation_id, status__in=statuses)
        .filter(**filters)
        .order_by("?")
        .first()
    )


# Each author thread walks this cycle from its own starting point, so every kind of write
# happens early even on a slow machine; the cases it acts on are picked at random.
AUTHOR_CYCLE = ["create", "edit", "revise", "submit", "withdraw", "delete", "create", "edit"]


def _author_step(rng: random.Random, action: str, author: User, cast: Cast) -> bool:
    """One write of the given kind; False when there was nothing to act on."""
    if action == "create":
        tlp, recipients = _audience(rng, cast)
        draft_case(author, title=f"Case {rng.random():.6f}", tlp=tlp, recipients=recipients)
        return True
    if action in ("edit", "submit"):
        case = _pick(author, Status.DRAFT, Status.CHANGES_REQUESTED)
        if case is None:
            return False
        if action == "submit":
            moderation.case_study_submit(actor=author, case_study=case)
            return True
        tlp, recipients = _audience(rng, cast)
        services.case_study_update(
            actor=author,
            case_study=case,
            expected_version=case.version,
            fields={"title": f"Edited {rng.random():.6f}", "tlp": tlp},
            recipients=recipients,
        )
        return True
    if action == "delete":
        case = _pick(author, Status.DRAFT, submitted_at__isnull=True)
        if case is None:
            return False
        services.case_study_delete(actor=author, case_study=case)
        return True
    case = _pick(author, Status.PUBLISHED)
    if case is None:
        return False
    if action == "withdraw":
        admin = cast.admins[author.organisation_id]
        moderation.case_study_withdraw(actor=admin, case_study=case, comment="Outdated.")
        return True
    # revise: a new TLP and recipients, sent for review (the moderator thread approves)
    tlp, recipients = _audience(rng, cast)
    revision = revision_drafts.revision_start(actor=author, case_study=case)
    revision = revision_drafts.revision_update(
        actor=author,
        revision=revision,
        expected_version=revision.version,
        fields={"tlp": tlp},
        recipients=recipients,
    )
    revisions.revision_submit(actor=author, revision=revision)
    return True


def _moderator_step(rng: random.Random, cast: Cast) -> str | None:
    """Decide a pending revision or a submission; returns what was done."""
    revision = CaseRevision.objects.filter(status=CaseRevision.Status.PENDING).order_by("?").first()
    if revision is not None and rng.random() < 0.5:
        revisions.revision_approve(actor=cast.moderator, revision=revision)
        return "approve revision"
    case = CaseStudy.objects.filter(status=Status.SUBMITTED).order_by("?").first()
    if case is None:
        time.sleep(0.01)
        return None
    choice = rng.random()
    if choice < 0.75:
        moderation.case_study_approve(actor=cast.moderator, case_study=case)
        return "publish"
    if choice < 0.9:
        moderation.case_study_request_changes(
            actor=cast.moderator, case_study=case, comment="Say more."
        )
        return "request changes"
    moderation.case_study_reject(actor=cast.moderator, case_study=case, comment="No.")
    return "reject"


# Refusals a busy portal gives when two people act on one case at once; not failures.
EXPECTED_REFUSALS = (PracticesError, ObjectDoesNotExist)


def _writer(step, seed: int, running, journal: Journal, local: threading.local) -> None:
    """Run ``step(rng, n)`` while ``running()`` on this thread's own connection."""
    local.rng = rng = random.Random(seed)
    n = 0
    try:
        while running():
            try:
                done = step(rng, n)
            except EXPECTED_REFUSALS:
                with journal.lock:
                    journal.refused += 1
            except Exception as exc:  # reported and asserted on below
                with journal.lock:
                    journal.failures.append(f"{type(exc).__name__}: {exc}")
            else:
                if done:
                    journal.wrote(done)
            n += 1
    finally:
        connection.close()


def _consumer(
    secret: str, writers_done: threading.Event, journal: Journal, copy: dict[str, dict]
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    cursor = ""
    try:
        while True:
            done = writers_done.is_set()  # read before the page: the drain after is complete
            started = time.monotonic()
            response = client.get(FEED_URL, {"cursor": cursor, "limit": PAGE_LIMIT})
            finished = time.monotonic()
            assert response.status_code == 200, response.content
            body = response.json()
            for entry in body["results"]:
                if entry["deleted"]:
                    copy.pop(entry["uuid"], None)
                    journal.tombstones += 1
                else:
                    copy[entry["uuid"]] = entry["case"]
                    journal.upserts += 1
            cursor = body["next_cursor"]
            journal.reads.append((started, finished, _seq_of(cursor)))
            if not body["has_more"]:
                if done:
                    return
                time.sleep(0.005)
    except Exception as exc:  # reported and asserted on below
        journal.failures.append(f"consumer: {type(exc).__name__}: {exc}")
    finally:
        connection.close()


def test_a_consumer_following_the_feed_during_concurrent_writes_ends_with_exactly_its_cases(
    cast, stalling_writes
):
    journal, local = stalling_writes
    started = time.monotonic()

    def running() -> bool:
        elapsed = time.monotonic() - started
        return elapsed < WRITE_SECONDS or (
            elapsed < WRITE_SECONDS_MAX and not journal.wrote_every(WRITE_KINDS)
        )

    copy: dict[str, dict] = {}
    writers_done = threading.Event()

    def author(member: User, offset: int):
        def step(rng: random.Random, n: int) -> str | None:
            action = AUTHOR_CYCLE[(offset + n) % len(AUTHOR_CYCLE)]
            return action if _author_step(rng, action, member, cast) else None

        return step

    steps = [author(m, offset) for offset, m in enumerate(cast.members * 2)]
    steps += [lambda rng, n: _moderator_step(rng, cast)] * 2
    writers = [
        threading.Thread(target=_writer, args=(step, seed, running, journal, local))
        for seed, step in enumerate(steps)
    ]
    consumer = threading.Thread(target=_consumer, args=(cast.secret, writers_done, journal, copy))
    consumer.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=WRITE_SECONDS_MAX + 10)
    writers_done.set()
    consumer.join(timeout=10)

    assert not consumer.is_alive() and not any(t.is_alive() for t in writers)
    assert journal.failures == []
    mirrored = {uuid: (c["version"], c["status"], c["tlp"]) for uuid, c in copy.items()}
    allowed = {
        str(uuid): (version, status, tlp)
        for uuid, version, status, tlp in CaseStudy.objects.visible_to(
            TokenActor(cast.consumer.api_tokens.get())
        ).values_list("uuid", "version", "status", "tlp")
    }
    assert set(mirrored) - set(allowed) == set(), "the copy holds cases the token may not see"
    assert set(allowed) - set(mirrored) == set(), "the copy misses cases the token may see"
    assert mirrored == allowed

    # The race really ran: real work of every kind, and reads during stalled transactions.
    assert sum(journal.writes.values()) >= 20, journal.writes
    for action in WRITE_KINDS:
        assert journal.writes.get(action, 0) >= 1, journal.writes
    assert journal.tombstones >= 1
    overlapping = [
        (seq, read_seq)
        for seq, stall_from, stall_to in journal.stalls
        for read_from, read_to, read_seq in journal.reads
        if stall_from <= read_from and read_to <= stall_to
    ]
    assert overlapping, "no read ran while a transaction held an uncommitted number"
    # …and none of them moved the cursor onto or past the number not yet committed.
    assert all(read_seq < seq for seq, read_seq in overlapping)
