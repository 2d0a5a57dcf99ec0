"""API tokens: what they may read and write, when they stop working, and how admins and
operators issue and revoke them. Only a keyed hash of the secret is ever stored."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken
from portal.api import TokenCanWrite
from portal.api_errors import PROBLEM_TYPE
from practices.models import CaseStudy, Taxonomy, Term
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory

CASES = "/api/v1/cases/"
TOKEN_PATTERN = re.compile(r"cdpe_[0-9a-f]{12}_[A-Za-z0-9_\-]{43}")


def issue(organisation, *, write: bool = False, days: int = 90) -> tuple[ApiToken, str]:
    return services.api_token_create(
        actor=None, organisation=organisation, name="Sync", write=write, expires_in_days=days
    )


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def all_case_uuids(client: APIClient) -> list[str]:
    """Every case a client can list, following the cursor to the end."""
    uuids, url = [], CASES + "?limit=3"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        uuids += [case["uuid"] for case in response.json()["results"]]
        url = response.json()["next"]
    return uuids


@pytest.fixture
def read_token(org) -> str:
    return issue(org)[1]


@pytest.fixture
def write_token(org) -> str:
    return issue(org, write=True)[1]


@pytest.fixture
def vocab(db) -> dict[str, Term]:
    """The few terms a complete case needs, without loading the full vocabularies."""
    terms = {}
    for slug, code in [("disarm-red", "T0002"), ("country", "EE"), ("region", "euro-atlantic")]:
        taxonomy, _ = Taxonomy.objects.get_or_create(slug=slug, defaults={"name": slug})
        terms[slug] = Term.objects.create(taxonomy=taxonomy, code=code, label=code)
    return terms


# --- What a token sees -----------------------------------------------------------------


def test_token_sees_exactly_what_a_member_of_its_organisation_sees(org, other_org, member):
    third = OrganisationFactory()
    expected_in = {
        "own published": CaseStudyFactory(organisation=org),
        "own draft": CaseStudyFactory(organisation=org, status="draft", tlp="amber"),
        "own submitted": CaseStudyFactory(organisation=org, status="submitted"),
        "clear of another": CaseStudyFactory(organisation=other_org, tlp="clear"),
        "green of another": CaseStudyFactory(organisation=other_org, tlp="green"),
        "amber naming us": CaseStudyFactory(
            organisation=other_org, tlp="amber", recipients=[org, third]
        ),
        "amber+strict naming us": CaseStudyFactory(
            organisation=third, tlp="amber_strict", recipients=[org]
        ),
    }
    expected_out = {
        "amber not naming us": CaseStudyFactory(
            organisation=other_org, tlp="amber", recipients=[third]
        ),
        "draft of another": CaseStudyFactory(organisation=other_org, status="draft", tlp="green"),
        "submitted of another": CaseStudyFactory(organisation=third, status="submitted"),
        "withdrawn of another": CaseStudyFactory(organisation=third, status="withdrawn"),
    }
    client = bearer(issue(org)[1])

    listed = all_case_uuids(client)

    member_sees = {
        str(u) for u in CaseStudy.objects.visible_to(member).values_list("uuid", flat=True)
    }
    assert sorted(listed) == sorted(member_sees)
    assert {str(c.uuid) for c in expected_in.values()} == set(listed)
    assert not {str(c.uuid) for c in expected_out.values()} & set(listed)
    member_session = APIClient()
    member_session.force_login(member)
    assert sorted(all_case_uuids(member_session)) == sorted(listed)


def test_token_me_endpoint_names_its_organisation_and_scopes(org, write_token):
    body = bearer(write_token).get("/api/v1/me/").json()

    assert body["kind"] == "token"
    assert body["organisation"]["slug"] == org.slug
    assert body["scopes"] == ["read", "write"]
    assert body["email"] is None
    assert body["is_moderator"] is False


# --- When a token stops working -----------------------------------------------------------


def _unusable_answers(plaintexts: list[str]) -> list[tuple[int, str, dict, str]]:
    answers = []
    for plaintext in plaintexts:
        response = bearer(plaintext).get(CASES)
        answers.append(
            (
                response.status_code,
                response["Content-Type"],
                response.json(),
                response.get("WWW-Authenticate", ""),
            )
        )
    return answers


def test_revoked_expired_inactive_malformed_and_unknown_tokens_get_the_same_401(org, other_org):
    revoked_token, revoked = issue(org)
    services.api_token_revoke(actor=None, token=revoked_token)
    _, inactive = issue(other_org)
    other_org.is_active = False
    other_org.save()
    _, expiring = issue(org, days=1)
    _, good = issue(org)
    prefix = good.split("_")[1]
    candidates = [
        revoked,
        inactive,
        "not-a-token",
        "cdpe_only-two-parts",
        f"xxxx_{prefix}_{good.split('_', 2)[2]}",  # wrong label, right prefix and secret
        f"cdpe_{prefix}_wrong-secret",
        "cdpe_000000000000_" + "A" * 43,  # well formed, unknown prefix
    ]

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        answers = _unusable_answers([*candidates, expiring])

    assert bearer(good).get(CASES).status_code == 200
    expected = (
        401,
        "application/problem+json",
        {
            "type": PROBLEM_TYPE + "authentication_failed",
            "title": "Not authenticated",
            "status": 401,
            "detail": "The token is not valid.",
        },
        'Bearer realm="api"',
    )
    assert answers == [expected] * len(answers)


def test_token_works_until_the_moment_it_expires(org):
    _, plaintext = issue(org, days=1)

    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert bearer(plaintext).get(CASES).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert bearer(plaintext).get(CASES).status_code == 401


def test_only_a_keyed_hash_of_the_token_is_stored(org):
    token, plaintext = issue(org, write=True)
    secret = plaintext.split("_", 2)[2]

    row = ApiToken.objects.filter(pk=token.pk).values().get()

    assert not [name for name, value in row.items() if secret in str(value)]
    assert not [name for name, value in row.items() if plaintext in str(value)]
    assert row["key_hash"] == services.api_token_hash(secret)
    assert row["prefix"] == plaintext.split("_")[1]


def test_last_used_is_recorded_at_most_once_a_minute(org):
    token, plaintext = issue(org)
    assert token.last_used_at is None
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        bearer(plaintext).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        bearer(plaintext).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        bearer(plaintext).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(minutes=2)


# --- Scopes ------------------------------------------------------------------------------------


def test_read_token_gets_403_with_an_explanation_on_create_and_patch(org, read_token):
    case = CaseStudyFactory(organisation=org, status="draft", title="Untouched")
    client = bearer(read_token)
    drafts_before = CaseStudy.objects.count()

    created = client.post(CASES, {"title": "Nope"}, format="json")
    patched = client.patch(
        f"{CASES}{case.uuid}/", {"title": "Changed", "version": case.version}, format="json"
    )
    submitted = client.post(f"{CASES}{case.uuid}/submit/")

    for response in (created, patched, submitted):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == TokenCanWrite.message
        assert "write scope" in response.json()["detail"]
    assert CaseStudy.objects.count() == drafts_before
    case.refresh_from_db()
    assert case.title == "Untouched"


def test_write_token_creates_patches_and_submits_a_draft(org, write_token, vocab):
    client = bearer(write_token)

    created = client.post(
        CASES,
        {
            "title": "Bot network amplifies forged letter",
            "summary": "A forged letter spread through a bot network.",
            "incident": "Forged ministry letter.",
            "incident_start": "2026-01-05",
            "response": "Debunk published within hours.",
            "outcome": "Reach fell.",
            "tlp": "green",
            "tags": ["disarm-red:T0002", "country:EE"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["status"] == "draft"
    assert case["originator"]["slug"] == org.slug
    stored = CaseStudy.objects.get(uuid=case["uuid"])
    assert stored.organisation == org
    assert stored.created_by is None  # a token is not a person

    patched = client.patch(
        f"{CASES}{case['uuid']}/",
        {
            "version": case["version"],
            "lessons": "Pre-bunk earlier.",
            "tags": ["disarm-red:T0002", "country:EE", "region:euro-atlantic"],
        },
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == case["version"] + 1

    submitted = client.post(f"{CASES}{case['uuid']}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    stored.refresh_from_db()
    assert stored.status == "submitted"
    assert stored.lessons == "Pre-bunk earlier."


def test_write_token_cannot_touch_another_organisations_draft(org, other_org, write_token):
    foreign = CaseStudyFactory(organisation=other_org, status="draft", title="Theirs")

    response = bearer(write_token).patch(
        f"{CASES}{foreign.uuid}/", {"title": "Mine now", "version": 1}, format="json"
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.title == "Theirs"


# --- Token pages ---------------------------------------------------------------------------


def _create_on_page(client: Client, **data) -> tuple[int, str]:
    response = client.post(
        reverse("accounts:token-create"), {"name": "Nightly sync", "days": 90, **data}
    )
    return response.status_code, response.content.decode()


def test_admin_issues_a_token_and_sees_it_exactly_once(admin_client, org):
    status, page = _create_on_page(admin_client, write="on", days=30)

    assert status == 200
    shown = TOKEN_PATTERN.findall(page)
    assert len(set(shown)) == 1
    plaintext = shown[0]
    assert "will not be shown again" in page
    token = ApiToken.objects.get(organisation=org)
    assert (token.name, token.write_enabled) == ("Nightly sync", True)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert bearer(plaintext).get("/api/v1/me/").json()["scopes"] == ["read", "write"]

    listing = admin_client.get(reverse("accounts:tokens")).content.decode()
    secret = plaintext.split("_", 2)[2]
    assert "Nightly sync" in listing
    assert secret not in listing
    assert not [k for k, v in admin_client.session.items() if secret in str(v)]


def test_opening_the_issue_address_again_leads_to_the_form_with_a_word_on_why(admin_client):
    # The back button after issuing, a bookmark or a reload: a GET, never a blank 405.
    response = admin_client.get(reverse("accounts:token-create"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:tokens") + "#new-token-title"
    page = admin_client.get(response["Location"]).content.decode()
    assert "shown only once" in page
    assert 'action="' + reverse("accounts:token-create") + '"' in page
    assert not ApiToken.objects.exists()


def test_new_token_is_shown_whole_in_monospace_with_a_copy_button(admin_client):
    status, page = _create_on_page(admin_client)

    assert status == 200
    plaintext = TOKEN_PATTERN.findall(page)[0]
    # In full as the text of a wrapping monospace block (selectable without JavaScript), not
    # squeezed into a one-line input.
    assert 'class="secret-value" aria-labelledby="token-label"' in page
    assert re.search(r'<code id="token-value"[^>]*>' + re.escape(plaintext) + "</code>", page)
    assert "readonly" not in page
    assert 'data-copy-target="token-value"' in page
    # The button's script is a file of ours: the CSP allows no inline script.
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)
    assert any("portal/copy.js" in tag for tag in scripts)


def test_token_result_page_may_not_be_cached(admin_client):
    response = admin_client.post(reverse("accounts:token-create"), {"name": "CI", "days": 5})

    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"days": 0}, "greater than or equal to 1"),
        ({"days": 367}, "less than or equal to 366"),
        ({"name": "   "}, "This field is required"),
    ],
)
def test_admin_gets_the_form_back_for_invalid_token_choices(admin_client, data, field_error):
    status, page = _create_on_page(admin_client, **data)

    assert status == 400
    assert field_error in page
    assert not ApiToken.objects.exists()
    assert not TOKEN_PATTERN.search(page)


def test_token_list_shows_scopes_dates_and_status(admin_client, org, other_org):
    names = {}
    for name, organisation, write in [
        ("Alpha", org, True),
        ("Bravo", org, False),
        ("Charlie", org, False),
        ("Delta", other_org, False),
    ]:
        token, _ = issue(organisation, write=write)
        ApiToken.objects.filter(pk=token.pk).update(name=name)
        names[name] = token
    ApiToken.objects.filter(pk=names["Alpha"].pk).update(last_used_at=timezone.now())
    services.api_token_revoke(actor=None, token=names["Bravo"])
    ApiToken.objects.filter(pk=names["Charlie"].pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )

    page = admin_client.get(reverse("accounts:tokens")).content.decode()
    rows = {
        name: re.search(rf"<td>{name}<br>.*?</tr>", page, re.S).group(0)
        for name in ("Alpha", "Bravo", "Charlie")
    }

    assert "Delta" not in page
    assert "<td>read, write</td>" in rows["Alpha"] and "<td>read</td>" in rows["Bravo"]
    assert ">Active<" in rows["Alpha"]
    assert ">Revoked " in rows["Bravo"] and ">Active<" not in rows["Bravo"]
    assert ">Expired<" in rows["Charlie"] and ">Active<" not in rows["Charlie"]
    assert names["Alpha"].prefix in rows["Alpha"]
    # Only active tokens offer a revoke button.
    assert reverse("accounts:token-revoke", args=[names["Alpha"].uuid]) in rows["Alpha"]
    assert "/revoke/" not in rows["Bravo"] and "/revoke/" not in rows["Charlie"]
    assert "Never" in rows["Bravo"] and "Never" not in rows["Alpha"]


def test_admin_revokes_a_token_and_it_stops_working(admin_client, org, read_token):
    token = ApiToken.objects.get(organisation=org)

    response = admin_client.post(reverse("accounts:token-revoke", args=[token.uuid]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(read_token).get(CASES).status_code == 401


def test_revoke_needs_post(admin_client, org, read_token):
    token = ApiToken.objects.get(organisation=org)

    assert admin_client.get(reverse("accounts:token-revoke", args=[token.uuid])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_of_another_organisation_gets_404_for_a_tokens_revoke_url(
    client, outsider_admin, org, read_token
):
    enrol_totp(outsider_admin)
    client.force_login(outsider_admin)
    token = ApiToken.objects.get(organisation=org)

    response = client.post(reverse("accounts:token-revoke", args=[token.uuid]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert bearer(read_token).get(CASES).status_code == 200


def test_member_gets_404_on_every_token_page(client, member, org, read_token):
    client.force_login(member)
    token = ApiToken.objects.get(organisation=org)

    assert client.get(reverse("accounts:tokens")).status_code == 404
    assert (
        client.post(reverse("accounts:token-create"), {"name": "x", "days": 5}).status_code == 404
    )
    assert client.post(reverse("accounts:token-revoke", args=[token.uuid])).status_code == 404
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_admin_without_two_factor_is_sent_to_enrol_first(client, org_admin):
    client.force_login(org_admin)

    response = client.get(reverse("accounts:tokens"))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_organisation_page_links_to_tokens_for_admins_only(admin_client, client, member):
    tokens_url = reverse("accounts:tokens")
    assert tokens_url in admin_client.get(reverse("accounts:organisation")).content.decode()

    member_client = Client()
    member_client.force_login(member)
    assert tokens_url not in member_client.get(reverse("accounts:organisation")).content.decode()


# --- Operator command ------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_command_issues_a_token_once_lists_and_revokes_it(org):
    output = _command("create", org.slug, "Analysis platform", "--write", "--days", "10")
    plaintext = TOKEN_PATTERN.search(output).group(0)
    token = ApiToken.objects.get(organisation=org)
    assert (token.name, token.write_enabled) == ("Analysis platform", True)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=10))) < timedelta(minutes=1)
    assert bearer(plaintext).get("/api/v1/me/").json()["scopes"] == ["read", "write"]

    listing = _command("list", org.slug)
    assert token.prefix in listing and "active" in listing and "Analysis platform" in listing
    assert plaintext.split("_", 2)[2] not in listing

    _command("revoke", token.prefix)
    assert bearer(plaintext).get(CASES).status_code == 401
    assert "revoked" in _command("list", org.slug)


def test_command_issues_read_only_tokens_for_90_days_by_default(org):
    _command("create", org.slug, "Reader")

    token = ApiToken.objects.get(organisation=org)
    assert token.write_enabled is False
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "args",
    [
        ("create", "no-such-org", "Reader"),
        ("create", "{org}", "Reader", "--days", "0"),
        ("create", "{org}", "Reader", "--days", "367"),
        ("revoke", "000000000000"),
        ("list", "no-such-org"),
    ],
)
def test_command_refuses_bad_input_plainly(org, args):
    with pytest.raises(CommandError):
        _command(*(a.format(org=org.slug) for a in args))
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "credentials", [b"x:cdpe_ab\x00cdef012345_secret", b"x:cdpe_ABCDEF012345_secret", b"x:cdpe__"]
)
def test_a_token_not_shaped_as_issued_is_refused_without_a_query(org, credentials):
    # HTTP Basic (TAXII, the MISP feed) carries any bytes: a NUL in the prefix made
    # PostgreSQL refuse the lookup, a 500.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials).decode())
    response = client.get("/taxii2/", HTTP_ACCEPT="application/taxii+json;version=2.1")
    assert response.status_code == 401
    assert services.api_token_authenticate(credentials.decode()[2:]) is None
