"""Property-based API tests: every operation in `/api/schema/` keeps the promises it makes.

Schemathesis reads the live schema from the WSGI application, generates requests from it and runs
every check it has on each answer: no server error, a documented status code, content type,
headers and body; 401 without the token, 405 for undocumented methods; schema-valid requests
accepted and schema-violating ones refused (both ways: the schema says exactly what the API
takes); and, in the stateful phase, sequences of calls that follow the schema's links (create a
draft, then read, change and submit it). It acts with a write token of an organisation that has
data — its own draft, cases shared with it and cases it may not read — and path parameters
sometimes name those, so found and not-found answers are both checked.
"""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import response_schema_conformance
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from accounts.models import Organisation
from accounts.services import api_token_create
from portal.wsgi import application
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory
from tests.practices.sync.test_feed import required_terms

EXAMPLES_PER_OPERATION = 10
STATEFUL_SCENARIOS = 15
STATEFUL_STEPS = 6
# Every check and every phase, both generation modes (schema-valid and schema-violating data).
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"enabled": True},
        "phases": {
            name: {"enabled": True} for name in ("examples", "coverage", "fuzzing", "stateful")
        },
        "generation": {"mode": "all"},
    }
)
OUR_DRAFT = uuid.UUID("00000000-0000-4000-8000-000000000001")
SHARED_AMBER = uuid.UUID("00000000-0000-4000-8000-000000000002")
PUBLIC_GREEN = uuid.UUID("00000000-0000-4000-8000-000000000003")
HIDDEN_AMBER = uuid.UUID("00000000-0000-4000-8000-000000000004")
THEIR_DRAFT = uuid.UUID("00000000-0000-4000-8000-000000000005")
KNOWN_PATH_VALUES = {
    "uuid": [str(u) for u in (OUR_DRAFT, SHARED_AMBER, PUBLIC_GREEN, HIDDEN_AMBER, THEIR_DRAFT)],
    "slug": ["schema-office", "other-office", "disarm-red", "country"],
}
# Cursors are opaque: no schema can say which strings the server issued. These are ones it
# issues — DRF's "offset 0" for the lists, sequence 0 for the change feed.
ISSUED_CURSORS = {"/api/v1/changes/": "djE6MA", "": "bz0w"}
KNOWN_RECIPIENTS = ["other-office", "third-office"]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)
_token: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class _Token:
    """The fixture's write token, applied the way schemathesis expects (so it never
    mistakes our valid header for a generated, invalid one)."""

    def get(self, case, context):
        # Asked once at collection too, before any fixture ran; those cases are never sent.
        return _token.get("secret", "cdpe_not-issued-yet")

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _positive(case, location: ParameterLocation) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is None or component.mode == GenerationMode.POSITIVE


def _only_what_exists(body: dict) -> None:
    """Name organisations and tags that exist, and put periods in order: rules about other
    rows and between fields, which no schema can state."""
    if "recipients" in body:
        body["recipients"] = [KNOWN_RECIPIENTS[len(v) % 2] for v in body["recipients"]][:2]
    if "tags" in body:
        tags = _token.get("tags", [])
        body["tags"] = [tags[len(v) % len(tags)] for v in body["tags"]] if tags else []
    for start, end in [("incident_start", "incident_end"), ("response_start", "response_end")]:
        if body.get(start) and body.get(end) and body[end] < body[start]:
            body[start], body[end] = body[end], body[start]
    today = timezone.localdate().isoformat()
    if str(body.get("applied_on") or "") > today:
        body["applied_on"] = today  # an adoption is of the past
    if {"language", "summary_translation", "summary_translation_language"} & set(body):
        # A translated summary comes with its language, another than the case's; none without.
        language = body["language"] = body.get("language") or "en"
        if str(body.get("summary_translation") or "").strip():
            body["summary_translation_language"] = "ko" if language == "ja" else "ja"
        else:
            body["summary_translation"] = body["summary_translation_language"] = ""


@schema.hook("flatmap_case")
def _sometimes_a_resource_that_exists(context, case):
    """Random UUIDs and slugs only ever find nothing, random cursors were never issued and
    random organisation slugs name nobody: in schema-valid parts, use identifiers that exist
    and cursors the server issued. Parts generated to violate the schema are left alone, so
    their refusal is still checked."""
    if case.query and "cursor" in case.query and _positive(case, ParameterLocation.QUERY):
        path = context.operation.path
        case.query["cursor"] = ISSUED_CURSORS.get(path, ISSUED_CURSORS[""])
    if isinstance(case.body, dict) and _positive(case, ParameterLocation.BODY):
        _only_what_exists(case.body)
    if not case.path_parameters or not _positive(case, ParameterLocation.PATH):
        return st.just(case)
    choices = [dict(case.path_parameters)]
    for name, values in KNOWN_PATH_VALUES.items():
        if name in case.path_parameters:
            choices += [{**case.path_parameters, name: value} for value in values]

    def with_parameters(parameters):
        case.path_parameters = parameters
        return case

    return st.sampled_from(choices).map(with_parameters)


@pytest.fixture(autouse=True)
def _requests_share_the_test_transaction():
    """Serve schemathesis' WSGI calls inside the test's transaction, as Django's test client
    does: otherwise the end-of-request hook closes the connection in the middle of the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db) -> str:
    """A write token of an organisation with data."""
    mine = OrganisationFactory(name="Schema Office", short_name="SO", slug="schema-office")
    theirs = OrganisationFactory(name="Other Office", short_name="OO", slug="other-office")
    third = OrganisationFactory(name="Third Office", short_name="TO", slug="third-office")
    terms = [term for chosen in required_terms().values() for term in chosen]
    for key, organisation, status, tlp, recipients, mode in [
        (OUR_DRAFT, mine, "draft", "amber", [theirs], "named"),
        (SHARED_AMBER, theirs, "published", "amber", [mine], "anonymised"),
        (PUBLIC_GREEN, theirs, "published", "green", [], "named"),
        (HIDDEN_AMBER, theirs, "published", "amber", [third], "named"),
        (THEIR_DRAFT, theirs, "draft", "green", [], "named"),
    ]:
        CaseStudyFactory(
            uuid=key,
            organisation=organisation,
            status=status,
            tlp=tlp,
            recipients=recipients,
            attribution_mode=mode,
            terms=terms,
            effectiveness="partly_effective",
        )
    feed.backfill()  # factories skip the services; give the change feed its entries
    _, secret = api_token_create(actor=None, organisation=mine, name="schemathesis", write=True)
    _token["secret"] = secret
    _token["tags"] = [f"{t.taxonomy.slug}:{t.code}" for t in terms]
    yield secret
    _token.clear()


HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    # CI draws the same examples every run, so a submission's verdict never rests on luck;
    # developers' runs draw new ones each time and so keep exploring.
    derandomize=os.environ.get("CI") == "true",
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_answers_as_its_schema_says(case, token):
    case.call_and_validate()


def test_sequences_of_calls_along_the_schema_links_keep_every_promise(token):
    """The stateful phase: drafts created by POST are read, changed and submitted through the
    links the schema declares, with every check on every step."""
    machine = schema.as_state_machine()
    # The links are there to follow: from a new draft to reading, changing and submitting it.
    rules = " ".join(name for name in dir(machine) if "_cases_" in name)
    assert all(name in rules for name in ("ReadCase", "ChangeDraft", "SubmitDraft")), rules

    machine.run(
        settings=settings(
            HYPOTHESIS,
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
        )
    )


def test_the_schema_links_a_new_draft_to_what_can_be_done_with_it(client, db):
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/v1/cases/"]["post"]
    links = operation["responses"]["201"]["links"]

    assert {link["operationId"] for link in links.values()} >= {
        "cases_retrieve",
        "cases_partial_update",
        "cases_submit_create",
    }
    assert all(link["parameters"] == {"uuid": "$response.body#/uuid"} for link in links.values())


def test_a_case_without_evidence_matches_the_documented_schema(token):
    draft = CaseStudyFactory(
        organisation=Organisation.objects.get(slug="schema-office"), status="draft", evidence=""
    )
    operation = schema["/api/v1/cases/{uuid}/"]["GET"]
    case = operation.Case(path_parameters={"uuid": str(draft.uuid)})

    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[response_schema_conformance]
    )

    assert response.status_code == 200
    assert response.json()["evidence"] == ""
