"""The change feed (`/api/v1/changes/`), followed by a token as an integrator's mirror would.

Every case here is written through the services, moderation and revisions — the paths the
product offers — so the feed entries are the ones production writes.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterable
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.authentication import TokenActor
from accounts.models import Organisation, User
from accounts.services import api_token_create
from practices.cases import revisions as revision_drafts
from practices.cases import services
from practices.models import CaseChange, CaseStudy, Taxonomy, Term
from practices.moderation import revisions
from practices.moderation import transitions as moderation
from practices.sync import feed
from tests.factories import OrganisationFactory

FEED_URL = "/api/v1/changes/"
REQUIRED_TAGS = {"disarm-red": "T0002", "country": "EE", "region": "euro-atlantic"}


# --- Writing cases the way the product does -------------------------------------------------


def required_terms() -> dict[str, list[Term]]:
    """The controlled tags a case needs before it can be submitted (made if missing)."""
    chosen = {}
    for slug, code in REQUIRED_TAGS.items():
        taxonomy, _ = Taxonomy.objects.get_or_create(slug=slug, defaults={"name": slug})
        term, _ = Term.objects.get_or_create(taxonomy=taxonomy, code=code, defaults={"label": code})
        chosen[slug] = [term]
    return chosen


def draft_case(
    author: User,
    *,
    title: str,
    tlp: str = CaseStudy.TLP.GREEN,
    recipients: Iterable[Organisation] = (),
    attribution_mode: str = CaseStudy.AttributionMode.NAMED,
) -> CaseStudy:
    """A complete draft of the author's organisation, ready to submit."""
    case = services.case_study_create(actor=author, title=title, tlp=tlp)
    return services.case_study_update(
        actor=author,
        case_study=case,
        expected_version=case.version,
        fields={
            "summary": "A fictional incident.",
            "incident": "Forged letters.",
            "incident_start": datetime.date(2025, 1, 1),
            "response": "Debunked.",
            "outcome": "It stopped.",
            "lessons": "Be quick.",
            "attribution_mode": attribution_mode,
        },
        terms=required_terms(),
        recipients=list(recipients),
    )


def publish(case: CaseStudy, *, author: User, moderator: User) -> CaseStudy:
    """Submit as the author, approve as a moderator of another organisation."""
    moderation.case_study_submit(actor=author, case_study=case)
    assert moderation.case_study_approve(actor=moderator, case_study=case)
    case.refresh_from_db()
    return case


def published_case(author: User, moderator: User, **kwargs) -> CaseStudy:
    return publish(draft_case(author, **kwargs), author=author, moderator=moderator)


def revise(
    case: CaseStudy,
    *,
    author: User,
    moderator: User,
    fields: dict | None = None,
    recipients: list[Organisation] | None = None,
) -> CaseStudy:
    """Change a published case the only way the product allows: a revision a moderator
    approves (services.case_study_update refuses anything but drafts)."""
    revision = revision_drafts.revision_start(actor=author, case_study=case)
    revision = revision_drafts.revision_update(
        actor=author,
        revision=revision,
        expected_version=revision.version,
        fields=fields,
        recipients=recipients,
    )
    revisions.revision_submit(actor=author, revision=revision)
    return revisions.revision_approve(actor=moderator, revision=revision)


# --- Reading the feed as a token --------------------------------------------------------------


def token_client(organisation: Organisation) -> Client:
    _, secret = api_token_create(actor=None, organisation=organisation, name="mirror")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def page(client: Client, cursor: str | None = None, limit: int = 100) -> dict:
    params = {"limit": limit}
    if cursor:
        params["cursor"] = cursor
    response = client.get(FEED_URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def follow(client: Client, cursor: str | None = None, limit: int = 100):
    """Read pages until the end; returns (entries in order, pages, last cursor)."""
    entries, pages = [], 0
    while True:
        body = page(client, cursor, limit)
        pages += 1
        entries += body["results"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return entries, pages, cursor


def mirror(entries: list[dict], copy: dict[str, dict] | None = None) -> dict[str, dict]:
    """Apply entries as a consumer does: upsert the case, delete on a tombstone."""
    copy = dict(copy or {})
    for entry in entries:
        if entry["type"] != "case":
            continue
        if entry["deleted"]:
            copy.pop(entry["uuid"], None)
        else:
            copy[entry["uuid"]] = entry["case"]
    return copy


def visible_to_token(organisation: Organisation) -> dict[str, tuple[int, str, str]]:
    token = organisation.api_tokens.first()
    return {
        str(uuid): (version, status, tlp)
        for uuid, version, status, tlp in CaseStudy.objects.visible_to(
            TokenActor(token)
        ).values_list("uuid", "version", "status", "tlp")
    }


def summary(copy: dict[str, dict]) -> dict[str, tuple[int, str, str]]:
    return {uuid: (case["version"], case["status"], case["tlp"]) for uuid, case in copy.items()}


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def author(outsider) -> User:
    """A member of another organisation, writing the cases the consumer may or may not see."""
    return outsider


@pytest.fixture
def author_admin(outsider_admin) -> User:
    return outsider_admin


@pytest.fixture
def third_org(db) -> Organisation:
    return OrganisationFactory(name="Canadian Test Office", short_name="CA TO", country="CA")


@pytest.fixture
def consumer(org) -> Client:
    """A read-only token of `org`, the organisation whose mirror follows the feed."""
    return token_client(org)


@pytest.fixture
def world(org, member, author, moderator, third_org) -> dict[str, CaseStudy]:
    """Cases of every kind: some the consumer may read, some it never may."""
    return {
        "own_draft": draft_case(member, title="Our own draft"),
        "green": published_case(author, moderator, title="Published green"),
        "clear": published_case(author, moderator, title="Published clear", tlp="clear"),
        "amber_for_us": published_case(
            author, moderator, title="Amber naming us", tlp="amber", recipients=[org]
        ),
        "strict_for_us": published_case(
            author, moderator, title="Strict naming us", tlp="amber_strict", recipients=[org]
        ),
        "amber_not_for_us": published_case(
            author, moderator, title="Amber naming others", tlp="amber", recipients=[third_org]
        ),
        "their_draft": draft_case(author, title="Their draft"),
        "their_submitted": moderation.case_study_submit(
            actor=author, case_study=draft_case(author, title="Their submission")
        ),
    }


VISIBLE = {"own_draft", "green", "clear", "amber_for_us", "strict_for_us"}


# --- Replay and paging ----------------------------------------------------------------------


def test_replay_without_cursor_yields_exactly_what_the_token_may_see(consumer, org, world):
    entries, pages, _ = follow(consumer)

    assert pages == 1
    assert all(not entry["deleted"] for entry in entries)
    assert {entry["uuid"] for entry in entries} == {str(world[k].uuid) for k in VISIBLE}
    assert summary(mirror(entries)) == visible_to_token(org)


def test_replay_says_nothing_about_cases_the_token_never_could_see(consumer, world):
    response = consumer.get(FEED_URL)

    text = response.content.decode()
    for key in set(world) - VISIBLE:
        assert str(world[key].uuid) not in text
        assert world[key].title not in text


def test_following_small_pages_with_the_cursor_reaches_the_same_copy(consumer, org, world):
    replayed, _, _ = follow(consumer)

    entries, pages, _ = follow(consumer, limit=2)

    assert pages > 3
    assert mirror(entries) == mirror(replayed)
    seqs = [entry["seq"] for entry in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_page_of_invisible_entries_is_empty_but_says_there_is_more(consumer, author, world):
    _, _, cursor = follow(consumer)
    services.case_study_create(actor=author, title="Invisible one")
    services.case_study_create(actor=author, title="Invisible two")
    draft_case(author, title="Visible soon")  # create + update: two more entries

    body = page(consumer, cursor, limit=1)

    assert body["results"] == []
    assert body["has_more"] is True
    assert body["next_cursor"] != cursor


def test_at_the_end_the_cursor_stays_where_it_is(consumer, world):
    _, _, cursor = follow(consumer)

    body = page(consumer, cursor)

    assert body == {"results": [], "next_cursor": cursor, "has_more": False}


def test_new_changes_arrive_after_the_stored_cursor(consumer, org, author, moderator, world):
    entries, _, cursor = follow(consumer)
    copy = mirror(entries)
    fresh = published_case(author, moderator, title="Published later")

    later, _, _ = follow(consumer, cursor)

    assert [entry["uuid"] for entry in later] == [str(fresh.uuid)]
    assert summary(mirror(later, copy)) == visible_to_token(org)


# --- Tombstones -----------------------------------------------------------------------------


def test_withdrawal_becomes_a_tombstone(consumer, org, author_admin, world):
    entries, _, cursor = follow(consumer)
    copy = mirror(entries)
    case = world["green"]

    moderation.case_study_withdraw(actor=author_admin, case_study=case, comment="Outdated.")
    later, _, _ = follow(consumer, cursor)

    assert later == [
        {
            "type": "case",
            "seq": later[0]["seq"],
            "uuid": str(case.uuid),
            "deleted": True,
            "case": None,
        }
    ]
    copy = mirror(later, copy)
    assert str(case.uuid) not in copy
    assert summary(copy) == visible_to_token(org)


def test_raising_tlp_to_amber_without_the_consumer_becomes_a_tombstone(
    consumer, org, author, moderator, third_org, world
):
    entries, _, cursor = follow(consumer)
    copy = mirror(entries)
    case = world["green"]

    revise(
        case,
        author=author,
        moderator=moderator,
        fields={"tlp": CaseStudy.TLP.AMBER},
        recipients=[third_org],
    )
    later, _, _ = follow(consumer, cursor)

    assert [(entry["uuid"], entry["deleted"]) for entry in later] == [(str(case.uuid), True)]
    assert summary(mirror(later, copy)) == visible_to_token(org)


def test_raising_tlp_to_amber_naming_the_consumer_is_an_update(
    consumer, org, author, moderator, world
):
    _, _, cursor = follow(consumer)
    case = world["green"]

    revise(case, author=author, moderator=moderator, fields={"tlp": "amber"}, recipients=[org])
    later, _, _ = follow(consumer, cursor)

    assert [(entry["uuid"], entry["deleted"]) for entry in later] == [(str(case.uuid), False)]
    assert later[0]["case"]["tlp"] == "amber"


def test_removing_the_consumer_from_the_recipients_becomes_a_tombstone(
    consumer, org, author, moderator, third_org, world
):
    entries, _, cursor = follow(consumer)
    copy = mirror(entries)
    case = world["amber_for_us"]

    revise(case, author=author, moderator=moderator, recipients=[third_org])
    later, _, _ = follow(consumer, cursor)

    assert [(entry["uuid"], entry["deleted"]) for entry in later] == [(str(case.uuid), True)]
    assert summary(mirror(later, copy)) == visible_to_token(org)


def test_deleting_a_draft_of_the_consumers_organisation_becomes_a_tombstone(
    consumer, org, member, world
):
    entries, _, cursor = follow(consumer)
    copy = mirror(entries)
    case = world["own_draft"]

    services.case_study_delete(actor=member, case_study=case)
    later, _, _ = follow(consumer, cursor)

    assert [(entry["uuid"], entry["deleted"]) for entry in later] == [(str(case.uuid), True)]
    assert summary(mirror(later, copy)) == visible_to_token(org)


def test_a_replay_after_a_withdrawal_carries_only_its_tombstone(consumer, org, author_admin, world):
    case = world["green"]
    moderation.case_study_withdraw(actor=author_admin, case_study=case, comment="Outdated.")

    entries, _, _ = follow(consumer)

    about_it = [entry for entry in entries if entry["uuid"] == str(case.uuid)]
    assert [(entry["deleted"], entry["case"]) for entry in about_it] == [(True, None)]
    assert summary(mirror(entries)) == visible_to_token(org)


def test_changes_to_cases_the_consumer_never_could_see_leave_no_entry_at_all(
    consumer, author, author_admin, moderator, third_org, world
):
    _, _, cursor = follow(consumer)
    their_draft, hidden_amber = world["their_draft"], world["amber_not_for_us"]
    services.case_study_update(
        actor=author,
        case_study=their_draft,
        expected_version=their_draft.version,
        fields={"title": "Their draft, renamed"},
    )
    services.case_study_delete(actor=author, case_study=their_draft)
    moderation.case_study_withdraw(actor=author_admin, case_study=hidden_amber, comment="Old.")
    moderation.case_study_reject(
        actor=moderator, case_study=world["their_submitted"], comment="Out of scope."
    )
    amber_draft = draft_case(author, title="Amber to be", tlp="amber", recipients=[third_org])
    publish(amber_draft, author=author, moderator=moderator)
    assert CaseChange.objects.filter(seq__gt=0).count() > len(world)

    response = consumer.get(FEED_URL, {"cursor": cursor})

    assert response.json()["results"] == []
    text = response.content.decode()
    for case in (their_draft, hidden_amber, world["their_submitted"], amber_draft):
        assert str(case.uuid) not in text


def test_a_case_withdrawn_before_the_consumer_ever_could_read_it_leaves_no_entry(
    consumer, author, author_admin, moderator, third_org
):
    hidden = published_case(
        author, moderator, title="Hidden amber", tlp="amber", recipients=[third_org]
    )
    moderation.case_study_withdraw(actor=author_admin, case_study=hidden, comment="Old.")

    entries, _, _ = follow(consumer)

    assert entries == []


# --- Folding, privacy, errors, cost ---------------------------------------------------------


def test_several_changes_of_a_case_in_one_page_are_folded_into_the_last(consumer, member, world):
    _, _, cursor = follow(consumer)
    case = world["own_draft"]
    for title in ("First retitle", "Second retitle", "Third retitle"):
        case = services.case_study_update(
            actor=member, case_study=case, expected_version=case.version, fields={"title": title}
        )
    last_seq = CaseChange.objects.filter(case_uuid=case.uuid).order_by("-seq")[0].seq

    later, _, _ = follow(consumer, cursor)

    assert len(later) == 1
    assert later[0]["seq"] == last_seq
    assert later[0]["case"]["title"] == "Third retitle"
    assert later[0]["case"]["version"] == case.version


def test_entries_of_different_cases_stay_in_the_order_of_their_last_change(consumer, member, world):
    _, _, cursor = follow(consumer)
    first, second = world["own_draft"], draft_case(member, title="Another of ours")
    services.case_study_update(
        actor=member,
        case_study=first,
        expected_version=first.version,
        fields={"title": "Touched last"},
    )

    later, _, _ = follow(consumer, cursor)

    assert [entry["uuid"] for entry in later] == [str(second.uuid), str(first.uuid)]


def test_the_anonymised_originator_is_hidden_in_feed_entries(consumer, org, author, moderator):
    anonymous = published_case(
        author, moderator, title="Anonymised green", attribution_mode="anonymised"
    )

    response = consumer.get(FEED_URL)

    [entry] = response.json()["results"]
    assert entry["uuid"] == str(anonymous.uuid)
    assert entry["case"]["originator"] == {
        "anonymised": True,
        "name": None,
        "short_name": None,
        "slug": None,
        "country": None,
        "region": author.organisation.region,
    }
    text = response.content.decode()
    for revealing in (author.organisation.name, author.organisation.slug):
        assert revealing not in text


def test_the_originator_sees_its_own_anonymised_case_named(org, member):
    own = draft_case(member, title="Our anonymised draft", attribution_mode="anonymised")

    entries, _, _ = follow(token_client(org))

    [entry] = entries
    assert entry["uuid"] == str(own.uuid)
    assert entry["case"]["originator"]["name"] == org.name


def test_recipients_of_another_organisations_case_are_not_disclosed(consumer, world):
    entries, _, _ = follow(consumer)

    by_uuid = {entry["uuid"]: entry["case"] for entry in entries}
    assert by_uuid[str(world["amber_for_us"].uuid)]["recipients"] is None
    assert by_uuid[str(world["own_draft"].uuid)]["recipients"] == []


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor("v2:3"),
        _cursor("v1:-1"),
        _cursor("v1:three"),
        "\u00e9t\u00e9",
    ],
)
def test_an_invalid_cursor_is_a_400_problem(consumer, cursor):
    response = consumer.get(FEED_URL, {"cursor": cursor})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["errors"] == {"cursor": ["This cursor is not valid."]}


def test_a_cursor_beyond_the_end_of_the_feed_is_refused(consumer, world):
    _, _, cursor = follow(consumer)
    last_seq = CaseChange.objects.order_by("-seq")[0].seq
    beyond = _cursor(f"v1:{last_seq + 1000}")

    response = consumer.get(FEED_URL, {"cursor": beyond})

    assert response.status_code == 400
    assert "ahead of the feed" in response.json()["errors"]["cursor"][0]
    assert page(consumer, cursor)["results"] == []  # the last real cursor stays valid


def test_a_limit_that_is_not_a_number_is_a_400_problem(consumer):
    response = consumer.get(FEED_URL, {"limit": "many"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "limit" in response.json()["errors"]


def test_without_a_token_the_feed_is_refused_with_401(client, world):
    response = client.get(FEED_URL)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert str(world["green"].uuid) not in response.content.decode()


def test_a_page_costs_the_same_number_of_queries_however_many_cases_it_holds(
    consumer, member, author, author_admin, moderator, org, third_org
):
    def queries_for_feed() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(consumer)
        return len(captured)

    def add_cases(n: int) -> None:
        """Cases of every kind: upserts, tombstones, and entries the token may not see."""
        for i in range(n):
            published_case(author, moderator, title=f"Ours {i}", tlp="amber", recipients=[org])
            draft_case(member, title=f"Own {i}")
            published_case(
                author, moderator, title=f"Not ours {i}", recipients=[third_org], tlp="amber"
            )
            moderation.case_study_withdraw(
                actor=author_admin,
                case_study=published_case(author, moderator, title=f"Gone {i}"),
                comment="Gone.",
            )

    add_cases(1)
    page(consumer)  # the token's first use also records when it was last used
    few = queries_for_feed()
    add_cases(4)

    many = queries_for_feed()

    assert many == few


def test_an_empty_poll_reads_only_the_feed_counter(consumer, world):
    _, _, cursor = follow(consumer)
    with CaptureQueriesContext(connection) as queries:
        body = page(consumer, cursor)
    assert body == {"results": [], "next_cursor": cursor, "has_more": False}
    feed_queries = [q["sql"] for q in queries if "practices_" in q["sql"]]
    assert len(feed_queries) == 1 and "practices_feedcounter" in feed_queries[0], feed_queries
    # …and the next change is there at the next poll.
    services.case_study_create(actor=world["own_draft"].created_by, title="Written after")
    assert [entry["case"]["title"] for entry in page(consumer, cursor)["results"]] == [
        "Written after"
    ]


def test_each_entry_is_later_than_the_one_before_however_the_clock_reads(author, monkeypatch):
    """A clock that stands still or goes back does not give two entries one time, nor an entry
    a time before its predecessor's: a time names one place in the feed (TAXII added_after)."""
    case = draft_case(author, title="Clockwork")
    standing = case.changes.latest("seq").created_at + datetime.timedelta(hours=1)
    earlier = standing - datetime.timedelta(seconds=5)
    readings = iter([standing, standing, earlier, standing + datetime.timedelta(seconds=1)])
    monkeypatch.setattr(feed, "timezone", SimpleNamespace(now=lambda: next(readings)))
    entries = []
    for _ in range(4):
        with transaction.atomic():
            entries.append(feed.change_record(case))

    times = [entry.created_at for entry in entries]
    microsecond = datetime.timedelta(microseconds=1)
    assert times == [
        standing,
        standing + microsecond,
        standing + 2 * microsecond,
        standing + datetime.timedelta(seconds=1),
    ]
    assert [e.seq for e in sorted(entries, key=lambda e: e.created_at)] == [e.seq for e in entries]
