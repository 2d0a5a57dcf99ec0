"""API v1 cases: filters, cursor pagination, details, anonymisation, drafting, moderation,
problem documents, throttling and conditional GETs — for tokens and signed-in people."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db.models import Model
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Organisation
from portal.api import ActorRateThrottle, TokenCanWrite
from practices.models import (
    TLP_RED_REFUSAL,
    AuditEvent,
    CaseChange,
    CaseStudy,
    ModerationEvent,
    Reference,
    Taxonomy,
    Term,
)
from practices.sync import feed
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

CASES = "/api/v1/cases/"
PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail"}


# --- Fixtures and helpers -----------------------------------------------------------------


def bearer(organisation: Organisation, *, write: bool = False) -> APIClient:
    """A client authenticated with a fresh token of the organisation."""
    _, plaintext = services.api_token_create(
        actor=None, organisation=organisation, name="Client", write=write
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def signed_in(person) -> APIClient:
    """A client with the person's session; CSRF is not enforced, as for a same-site page."""
    client = APIClient()
    client.force_login(person)
    return client


def detail_url(case: CaseStudy | str) -> str:
    return f"{CASES}{getattr(case, 'uuid', case)}/"


def uuids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {case["uuid"] for case in response.json()["results"]}


def walk(client: APIClient, url: str) -> list[str]:
    """Every uuid a list yields, page by page, in order."""
    seen = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [case["uuid"] for case in response.json()["results"]]
        url = response.json()["next"]
    return seen


def row_counts() -> dict[str, int]:
    """Everything a draft write touches, to prove a refused write left nothing behind."""
    models: list[type[Model]] = [
        CaseStudy,
        CaseStudy.terms.through,
        CaseStudy.recipients.through,
        Reference,
        ModerationEvent,
        AuditEvent,
        CaseChange,
        Term,
        Taxonomy,
    ]
    return {model.__name__: model.objects.count() for model in models}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_FIELDS
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def vocab(db) -> dict[str, Term]:
    """A handful of terms from the taxonomies the filters and completeness check use."""
    terms = {}
    for slug, codes in {
        "disarm-red": ["T0002", "T0003"],
        "country": ["EE", "JP"],
        "region": ["euro-atlantic", "indo-pacific"],
        "platform": ["telegram"],
    }.items():
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug)
        for code in codes:
            terms[f"{slug}:{code}"] = Term.objects.create(taxonomy=taxonomy, code=code, label=code)
    return terms


@pytest.fixture
def token(org) -> APIClient:
    return bearer(org)


@pytest.fixture
def writer(org) -> APIClient:
    return bearer(org, write=True)


# --- Filters ---------------------------------------------------------------------------------


@pytest.fixture
def world(org, other_org, vocab) -> dict[str, CaseStudy]:
    """Cases of several organisations; the token's organisation is ``org``."""
    third = OrganisationFactory()
    t = vocab
    cases = {
        "ee": CaseStudyFactory(
            organisation=other_org,
            tlp="green",
            terms=[t["disarm-red:T0002"], t["country:EE"], t["region:euro-atlantic"]],
        ),
        "jp": CaseStudyFactory(
            organisation=other_org,
            tlp="clear",
            terms=[
                t["disarm-red:T0003"],
                t["country:JP"],
                t["region:indo-pacific"],
                t["platform:telegram"],
            ],
        ),
        "amber": CaseStudyFactory(
            organisation=third, tlp="amber", recipients=[org], terms=[t["country:EE"]]
        ),
        "amber_elsewhere": CaseStudyFactory(
            organisation=third, tlp="amber", recipients=[other_org], terms=[t["country:EE"]]
        ),
        "own_draft": CaseStudyFactory(
            organisation=org, status="draft", terms=[t["disarm-red:T0002"]]
        ),
        "own_submitted": CaseStudyFactory(organisation=org, status="submitted"),
        "other_draft": CaseStudyFactory(
            organisation=other_org, status="draft", tlp="green", terms=[t["disarm-red:T0002"]]
        ),
        "other_submitted": CaseStudyFactory(organisation=third, status="submitted", tlp="green"),
    }
    long_ago = timezone.now() - timedelta(days=30)
    CaseStudy.objects.exclude(pk__in=[cases["jp"].pk, cases["own_draft"].pk]).update(
        updated_at=long_ago
    )
    return cases


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ee", "jp", "amber", "own_draft", "own_submitted"}),
        ("tag=disarm-red:T0002", {"ee", "own_draft"}),
        ("tag=disarm-red:T0002,country:EE", {"ee"}),
        ("taxonomy=platform", {"jp"}),
        ("tlp=clear", {"jp"}),
        ("tlp=clear&tlp=amber", {"jp", "amber"}),
        ("region=indo-pacific", {"jp"}),
        ("country=ee", {"ee", "amber"}),
        ("status=draft", {"own_draft"}),
        ("status=submitted", {"own_submitted"}),
        ("status=published&country=EE", {"ee", "amber"}),
        ("updated_after={recent}", {"jp", "own_draft"}),
    ],
)
def test_list_filters_return_exactly_the_matching_visible_cases(world, token, query, expected):
    recent = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")

    found = uuids(token.get(f"{CASES}?{query.format(recent=recent)}"))

    assert found == {str(world[name].uuid) for name in expected}


def test_status_filter_never_reveals_another_organisations_drafts_to_a_session_member(
    world, member
):
    found = uuids(signed_in(member).get(f"{CASES}?status=draft&status=submitted"))

    assert found == {str(world["own_draft"].uuid), str(world["own_submitted"].uuid)}


def test_invalid_filter_values_are_refused_as_problems(world, token):
    body = assert_problem(token.get(f"{CASES}?tlp=red"), 400)
    assert "tlp" in body["errors"]
    body = assert_problem(token.get(f"{CASES}?updated_after=yesterday"), 400)
    assert "updated_after" in body["errors"]


# --- Cursor pagination ------------------------------------------------------------------------


@pytest.fixture
def eleven(org, other_org) -> list[CaseStudy]:
    """Eleven visible cases, newest first, plus invisible ones in between."""
    start = timezone.now() - timedelta(hours=1)
    cases = []
    for i in range(11):
        case = CaseStudyFactory(organisation=other_org if i % 2 else org)
        CaseStudyFactory(organisation=other_org, status="draft")  # never listed
        CaseStudy.objects.filter(pk=case.pk).update(created_at=start + timedelta(minutes=i))
        cases.append(case)
    return list(reversed(cases))


def test_cursor_pages_walk_every_visible_case_once_in_order(eleven, token):
    first = token.get(f"{CASES}?limit=4").json()

    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert walk(token, f"{CASES}?limit=4") == [str(c.uuid) for c in eleven]


def test_cursor_pages_stay_stable_when_cases_are_added_during_the_walk(eleven, token, org):
    first = token.get(f"{CASES}?limit=4").json()
    CaseStudyFactory(organisation=org)  # newest of all: belongs before the first page

    rest = walk(token, first["next"])

    seen = [c["uuid"] for c in first["results"]] + rest
    assert seen == [str(c.uuid) for c in eleven]


def test_cursor_pages_are_stable_when_many_cases_share_a_timestamp(org, token):
    cases = [CaseStudyFactory(organisation=org) for _ in range(9)]
    CaseStudy.objects.update(created_at=timezone.now())

    seen = walk(token, f"{CASES}?limit=2")

    assert len(seen) == len(set(seen)) == 9
    assert set(seen) == {str(c.uuid) for c in cases}


def test_a_forged_cursor_is_refused_as_a_problem(eleven, token):
    assert_problem(token.get(f"{CASES}?cursor=bm9wZQ"), 400)


# --- Details and anonymisation ------------------------------------------------------------------


def test_detail_is_found_by_uuid(org, token):
    case = CaseStudyFactory(organisation=org, title="Forged letter")

    response = token.get(detail_url(case))

    assert response.status_code == 200
    assert (response.json()["uuid"], response.json()["title"]) == (str(case.uuid), "Forged letter")
    assert response.json()["url"] == "http://testserver" + detail_url(case)


@pytest.mark.parametrize(
    "invisible",
    [
        {"status": "draft", "tlp": "green"},
        {"status": "submitted", "tlp": "green"},
        {"status": "published", "tlp": "amber"},
        {"status": "withdrawn", "tlp": "clear"},
    ],
)
def test_an_invisible_case_answers_exactly_like_a_missing_one(other_org, token, invisible):
    case = CaseStudyFactory(organisation=other_org, **invisible)

    hidden = token.get(detail_url(case))
    missing = token.get(detail_url(uuid.uuid4()))

    assert_problem(hidden, 404)
    assert hidden.content == missing.content
    assert hidden["Content-Type"] == missing["Content-Type"]


def test_anonymised_case_hides_its_originator_from_other_organisations(org, other_org, token):
    case = CaseStudyFactory(organisation=other_org, attribution_mode="anonymised")
    named = CaseStudyFactory(organisation=other_org, attribution_mode="named")
    feed.backfill()

    shown = token.get(detail_url(case)).json()
    listed = {c["uuid"]: c for c in token.get(CASES).json()["results"]}
    fed = {e["uuid"]: e["case"] for e in token.get("/api/v1/changes/").json()["results"]}

    for body in (shown, listed[str(case.uuid)], fed[str(case.uuid)]):
        assert body["originator"] == {
            "anonymised": True,
            "name": None,
            "short_name": None,
            "slug": None,
            "country": None,
            "region": other_org.region,
        }
        assert body["recipients"] is None
    raw = token.get(detail_url(case)).content.decode()
    assert other_org.name not in raw and other_org.slug not in raw
    assert listed[str(named.uuid)]["originator"]["name"] == other_org.name


def test_anonymised_case_names_its_originator_to_its_own_organisation(other_org):
    case = CaseStudyFactory(
        organisation=other_org, attribution_mode="anonymised", tlp="amber", recipients=[]
    )

    body = bearer(other_org).get(detail_url(case)).json()

    assert body["originator"]["anonymised"] is False
    assert body["originator"]["name"] == other_org.name
    assert body["originator"]["slug"] == other_org.slug
    assert body["originator"]["country"] == "JP"
    assert body["recipients"] == []


def test_anonymised_case_names_its_originator_to_moderators(other_org, moderator):
    case = CaseStudyFactory(organisation=other_org, attribution_mode="anonymised")
    enrol_totp(moderator)

    body = signed_in(moderator).get(detail_url(case)).json()

    assert body["originator"]["slug"] == other_org.slug


def test_named_case_shows_its_originator_to_everyone(other_org, token):
    case = CaseStudyFactory(organisation=other_org, attribution_mode="named")

    body = token.get(detail_url(case)).json()

    assert body["originator"]["anonymised"] is False
    assert body["originator"]["name"] == other_org.name


# --- Creating drafts ----------------------------------------------------------------------------


def _draft(**overrides) -> dict:
    return {
        "title": "Forged letter on Telegram",
        "summary": "A forged ministry letter spread on Telegram.",
        "tlp": "amber",
        "incident_start": "2026-01-05",
        "incident_end": "2026-01-20",
        **overrides,
    }


def test_writer_creates_a_draft_with_tags_keywords_references_and_recipients(
    org, other_org, writer, vocab
):
    response = writer.post(
        CASES,
        _draft(
            tags=["disarm-red:T0002", "country:EE", "platform:telegram"],
            keywords=["forged letter", "ministry"],
            references=[
                {"url": "https://example.org/debunk", "title": "Debunk"},
                {
                    "url": "https://example.org/report",
                    "title": "Report",
                    "archive_url": "https://archive.example.org/report",
                },
            ],
            recipients=[other_org.slug, org.slug],
            status="published",  # not writable: ignored
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    case = CaseStudy.objects.get(uuid=body["uuid"])
    assert case.organisation == org
    assert body["status"] == case.status == "draft"
    assert {(t["taxonomy"], t["code"]) for t in body["tags"]} == {
        ("disarm-red", "T0002"),
        ("country", "EE"),
        ("platform", "telegram"),
    }
    assert sorted(body["keywords"]) == ["forged letter", "ministry"]
    assert [r["url"] for r in body["references"]] == [
        "https://example.org/debunk",
        "https://example.org/report",
    ]
    assert body["references"][1]["archive_url"] == "https://archive.example.org/report"
    assert body["recipients"] == [other_org.slug]  # your own organisation is implied
    assert list(case.recipients.all()) == [other_org]
    assert case.references.count() == 2


def test_signed_in_member_creates_a_draft_as_themselves(org, member):
    response = signed_in(member).post(CASES, _draft(), format="json")

    assert response.status_code == 201, response.content
    case = CaseStudy.objects.get(uuid=response.json()["uuid"])
    assert (case.organisation, case.created_by, case.status) == (org, member, "draft")


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"tlp": "red"}, "tlp", [str(TLP_RED_REFUSAL)]),
        (
            {"tags": ["disarm-red:T0002", "disarm-red:T9999", "country:XX"]},
            "tags",
            ["disarm-red:T9999", "country:XX"],
        ),
        ({"tags": ["EE"]}, "tags", ['"EE" is not a controlled tag']),
        ({"tags": ["keyword:x"]}, "tags", ["not a controlled tag"]),
        (
            {"incident_start": "2026-02-01", "incident_end": "2026-01-01"},
            "incident_end",
            ["cannot end before it starts"],
        ),
        (
            {"response_start": "2026-02-01", "response_end": "2026-01-01"},
            "response_end",
            ["cannot end before it starts"],
        ),
        ({"recipients": ["nobody-here", "nor-here"]}, "recipients", ["nobody-here, nor-here"]),
        ({"title": ""}, "title", ["may not be blank"]),
        ({"references": [{"url": "not a url", "title": "x"}]}, "references", []),
    ],
)
def test_invalid_draft_is_refused_with_the_reason_and_nothing_is_saved(
    writer, vocab, overrides, field, words
):
    before = row_counts()

    response = writer.post(CASES, _draft(keywords=["never stored"], **overrides), format="json")

    body = assert_problem(response, 400)
    assert set(body["errors"]) == {field}
    message = str(body["errors"][field])
    for word in words:
        assert word in message
    if field == "tags":
        assert "disarm-red:T0002" not in message
    assert row_counts() == before


def test_tlp_red_refusal_explains_what_to_do_instead(writer):
    body = writer.post(CASES, _draft(tlp="red"), format="json").json()

    assert "AMBER+STRICT" in body["errors"]["tlp"][0]


def test_inactive_tags_are_refused_like_unknown_ones(writer, vocab):
    Term.objects.filter(code="T0003").update(is_active=False)

    body = assert_problem(writer.post(CASES, _draft(tags=["disarm-red:T0003"]), format="json"), 400)

    assert "disarm-red:T0003" in body["errors"]["tags"][0]


# --- Changing and submitting drafts -------------------------------------------------------------


@pytest.fixture
def draft(org, vocab) -> CaseStudy:
    case = CaseStudyFactory(
        organisation=org, status="draft", title="Original", terms=[vocab["country:EE"]]
    )
    return case


def test_patch_with_the_current_version_changes_the_draft(draft, writer, vocab):
    response = writer.patch(
        detail_url(draft),
        {"version": draft.version, "title": "Revised", "tags": ["country:JP"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.title == "Revised"
    assert response.json()["version"] == draft.version == 2
    assert [t["code"] for t in response.json()["tags"]] == ["JP"]


def test_patch_with_a_stale_version_is_a_409_problem_and_changes_nothing(draft, writer):
    writer.patch(detail_url(draft), {"version": 1, "summary": "First"}, format="json")
    draft.refresh_from_db()
    before = (draft.title, draft.summary, draft.version, row_counts())

    response = writer.patch(
        detail_url(draft),
        {"version": 1, "title": "Late edit", "tags": ["country:JP"]},
        format="json",
    )

    body = assert_problem(response, 409)
    assert "version 2" in body["detail"]
    draft.refresh_from_db()
    assert (draft.title, draft.summary, draft.version, row_counts()) == before
    assert list(draft.terms.values_list("code", flat=True)) == ["EE"]


def test_stale_patch_with_new_keywords_creates_no_vocabulary_rows(draft, writer):
    before = row_counts()

    response = writer.patch(
        detail_url(draft), {"version": 7, "keywords": ["leaked keyword"]}, format="json"
    )

    assert response.status_code == 409
    assert row_counts() == before


def test_patch_needs_the_version(draft, writer):
    body = assert_problem(writer.patch(detail_url(draft), {"title": "x"}, format="json"), 400)

    assert "version" in body["errors"]
    draft.refresh_from_db()
    assert draft.title == "Original"


def test_patch_of_a_submitted_case_is_refused_with_the_reason(org, writer):
    case = CaseStudyFactory(organisation=org, status="submitted")

    body = assert_problem(
        writer.patch(detail_url(case), {"version": 1, "title": "x"}, format="json"), 409
    )

    assert "cannot be edited" in body["detail"]


def test_submit_of_an_incomplete_draft_is_a_409_that_lists_what_is_missing(draft, writer):
    """The request is schema-valid; it is the draft's state that refuses it (a conflict)."""
    body = assert_problem(writer.post(f"{detail_url(draft)}submit/"), 409)

    missing = body["errors"]["missing"]
    assert "lessons learned (Outcome)" in missing
    assert "a summary" not in missing  # the factory wrote one
    assert "at least one DISARM technique (Incident)" in missing
    assert "at least one country targeted (Incident)" not in missing  # it has country:EE
    draft.refresh_from_db()
    assert draft.status == "draft"


# --- Moderation through the API ----------------------------------------------------------------


@pytest.fixture
def submitted(org) -> CaseStudy:
    return CaseStudyFactory(organisation=org, status="submitted", submission_round=1)


@pytest.fixture
def moderator_client(moderator) -> APIClient:
    enrol_totp(moderator)
    return signed_in(moderator)


@pytest.mark.parametrize(
    ("action", "comment", "status"),
    [
        ("publish", "", "published"),
        ("request-changes", "Add the sources.", "changes_requested"),
        ("reject", "Out of scope.", "rejected"),
    ],
)
def test_moderator_of_another_organisation_decides_through_the_session(
    submitted, moderator, moderator_client, action, comment, status
):
    response = moderator_client.post(
        f"{detail_url(submitted)}{action}/", {"comment": comment}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    submitted.refresh_from_db()
    assert submitted.status == status
    event = submitted.events.get(kind="transition", to_status=status)
    assert (event.actor, event.comment) == (moderator, comment)


@pytest.mark.parametrize("write", [False, True])
def test_tokens_cannot_moderate(org, submitted, write):
    body = assert_problem(bearer(org, write=write).post(f"{detail_url(submitted)}publish/"), 403)

    if write:
        assert "moderator" in body["detail"]
    else:
        assert body["detail"] == TokenCanWrite.message
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_members_and_own_organisation_moderators_cannot_moderate(org, submitted, member):
    own_moderator = UserFactory(organisation=org, is_moderator=True)
    enrol_totp(own_moderator)

    for person in (member, own_moderator):
        assert_problem(signed_in(person).post(f"{detail_url(submitted)}publish/"), 403)

    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_moderation_without_a_csrf_token_is_refused_for_sessions(submitted, moderator):
    enrol_totp(moderator)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(moderator)

    body = assert_problem(client.post(f"{detail_url(submitted)}publish/"), 403)

    assert "CSRF" in body["detail"]
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_decision_on_a_case_in_the_wrong_state_is_a_409(org, moderator_client):
    published = CaseStudyFactory(organisation=org)

    body = assert_problem(moderator_client.post(f"{detail_url(published)}publish/"), 409)

    assert "published now" in body["detail"]


def test_moderators_cannot_see_or_decide_on_another_organisations_draft(org, moderator_client):
    draft = CaseStudyFactory(organisation=org, status="draft")

    assert_problem(moderator_client.post(f"{detail_url(draft)}publish/"), 404)


def test_moderator_without_two_factor_cannot_moderate_through_the_api(submitted, moderator):
    response = signed_in(moderator).post(f"{detail_url(submitted)}publish/")

    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


# --- Every error is a problem document ---------------------------------------------------------


@pytest.fixture
def errors_world(org, other_org) -> dict[str, CaseStudy]:
    return {
        "own": CaseStudyFactory(organisation=org, status="draft"),
        "foreign_draft": CaseStudyFactory(organisation=other_org, status="draft"),
    }


@pytest.mark.parametrize(
    ("make_request", "status"),
    [
        pytest.param(
            lambda c, w: bearer(w["own"].organisation, write=True).post(CASES, {}, format="json"),
            400,
            id="validation",
        ),
        pytest.param(lambda c, w: APIClient().get(CASES), 401, id="unauthenticated"),
        pytest.param(
            lambda c, w: bearer(w["own"].organisation).post(CASES, {"title": "x"}),
            403,
            id="read-scope",
        ),
        pytest.param(lambda c, w: c.get(detail_url(w["foreign_draft"])), 404, id="invisible"),
        pytest.param(lambda c, w: c.get(f"{CASES}not-a-uuid/"), 404, id="bad-uuid"),
        pytest.param(lambda c, w: c.put(detail_url(w["own"]), {}, format="json"), 405, id="put"),
        pytest.param(lambda c, w: c.delete(detail_url(w["own"])), 405, id="delete"),
        pytest.param(
            lambda c, w: c.patch(detail_url(w["own"]), {"version": 9, "title": "x"}, format="json"),
            409,
            id="stale",
        ),
    ],
)
def test_every_error_is_a_problem_document(errors_world, writer, make_request, status):
    assert_problem(make_request(writer, errors_world), status)


def test_unrouted_api_path_is_a_problem_document_in_production(token, settings):
    settings.DEBUG = False

    assert_problem(token.get("/api/v1/nope/"), 404)
    assert_problem(APIClient().get("/api/v1/nope/"), 404)


def test_unrouted_path_and_missing_case_share_one_problem_type(token, settings):
    settings.DEBUG = False

    unrouted = token.get("/api/v1/nope/").json()
    missing = token.get(detail_url(uuid.uuid4())).json()

    assert unrouted == missing


# --- Throttling -------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings, monkeypatch) -> None:
    rates = {"token": "3/min", "user": "5/min", "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF copies the rates onto the throttle class when rest_framework.throttling is first
    # imported; reloading api_settings does not reach that copy, so set it as well.
    monkeypatch.setattr(ActorRateThrottle, "THROTTLE_RATES", rates)


def _statuses(client: APIClient, n: int, url: str = CASES) -> list[int]:
    return [client.get(url).status_code for _ in range(n)]


def test_fourth_request_of_a_token_in_a_minute_gets_429_with_retry_after(low_rates, org):
    client = bearer(org)

    assert _statuses(client, 3) == [200, 200, 200]
    response = client.get(CASES)

    body = assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in body["type"]


def test_throttling_counts_per_token(low_rates, org):
    first, second = bearer(org), bearer(org)

    assert _statuses(first, 4) == [200, 200, 200, 429]
    assert _statuses(second, 3) == [200, 200, 200]


def test_throttling_counts_per_person_at_the_person_rate(low_rates, member, org_admin):
    assert _statuses(signed_in(member), 6) == [200] * 5 + [429]
    assert _statuses(signed_in(org_admin), 1) == [200]


def test_throttling_counts_all_endpoints_together_and_lifts_after_the_window(low_rates, org):
    client = bearer(org)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        assert [
            client.get(url).status_code for url in (CASES, "/api/v1/me/", "/api/v1/changes/", CASES)
        ] == [200, 200, 200, 429]
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.get(CASES).status_code == 200


# --- Conditional GET ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["detail", "list"])
def test_etag_gives_304_without_a_body_until_the_case_changes(draft, writer, target):
    url = detail_url(draft) if target == "detail" else CASES
    first = writer.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag

    repeat = writer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304
    assert repeat.content == b""

    assert (
        writer.patch(
            detail_url(draft), {"version": draft.version, "title": "Changed"}, format="json"
        ).status_code
        == 200
    )
    changed = writer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert b"Changed" in changed.content


def test_etags_differ_between_organisations_that_see_different_cases(org, other_org):
    CaseStudyFactory(organisation=org, status="draft")

    assert bearer(org).get(CASES)["ETag"] != bearer(other_org).get(CASES)["ETag"]


def test_keyword_list_shows_only_keywords_of_cases_the_token_may_read(org, other_org, token):
    from practices.cases.services import keywords_to_terms

    visible = CaseStudyFactory(organisation=other_org, status="published", tlp="green")
    hidden = CaseStudyFactory(organisation=other_org, status="published", tlp="amber")
    draft = CaseStudyFactory(organisation=other_org, status="draft")
    visible.terms.add(*keywords_to_terms("open topic"))
    hidden.terms.add(*keywords_to_terms("secret topic"))
    draft.terms.add(*keywords_to_terms("unpublished topic"))

    response = token.get("/api/v1/taxonomies/keyword/terms/")

    assert response.status_code == 200
    labels = {term["label"] for term in response.json()["results"]}
    assert labels == {"open topic"}


def test_each_keyword_is_an_item_and_one_holding_a_comma_is_refused(org):
    # Joined for the service as "a, b, c", an item "Smith, John" would become two keywords,
    # and fifty items of "a,b,c,…" a thousand: the list's bound would not bound them.
    writer = bearer(org, write=True)
    response = writer.post(
        CASES, {"title": "Ours", "keywords": ["harbour", "Smith, John"]}, format="json"
    )
    assert response.status_code == 400
    assert "holds no comma" in str(response.json())
    assert not CaseStudy.objects.filter(title="Ours").exists()
    assert not Term.objects.filter(taxonomy__slug="keyword").exists()  # nothing half-made

    response = writer.post(
        CASES, {"title": "Ours", "keywords": ["harbour", "Smith John"]}, format="json"
    )
    assert response.status_code == 201
    assert sorted(response.json()["keywords"]) == ["Smith John", "harbour"]


def test_a_client_may_write_back_the_tags_it_read_though_one_was_retired(org):
    country = Taxonomy.objects.create(slug="country", name="Country")
    estonia = Term.objects.create(taxonomy=country, code="EE", label="Estonia")
    Term.objects.create(taxonomy=country, code="LV", label="Latvia", is_active=False)
    draft = CaseStudyFactory(organisation=org, status="draft", terms=[estonia])
    Term.objects.filter(pk=estonia.pk).update(is_active=False)  # retired by the curators
    writer = bearer(org, write=True)
    read = writer.get(f"{CASES}{draft.uuid}/").json()
    tags = [f"{tag['taxonomy']}:{tag['code']}" for tag in read["tags"]]
    assert tags == ["country:EE"]

    url = f"{CASES}{draft.uuid}/"
    kept = writer.patch(url, {"version": read["version"], "tags": tags}, format="json")
    assert kept.status_code == 200, kept.content
    # A retired term the case does not carry is still refused, as on the page.
    added = writer.patch(
        url, {"version": kept.json()["version"], "tags": [*tags, "country:LV"]}, format="json"
    )
    assert added.status_code == 400
    assert "country:LV" in str(added.json())
