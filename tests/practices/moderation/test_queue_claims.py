"""The review queue shows what waits and the moderator's own claims; Claim opens the case."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, UserFactory


def signed_in(user) -> Client:
    enrol_totp(user)
    client = Client()
    client.force_login(user)
    return client


def waiting(organisation, title, **extra):
    return CaseStudyFactory(
        organisation=organisation,
        title=title,
        status="submitted",
        submitted_at=timezone.now(),
        **extra,
    )


def test_claim_from_the_queue_opens_the_review_page(org, moderator):
    case = waiting(org, "Waiting case")
    client = signed_in(moderator)

    response = client.post(reverse("moderation:claim", args=[case.uuid]), {"next": "queue"})

    assert response.status_code == 302
    assert response["Location"] == reverse("moderation:review", args=[case.uuid])
    case.refresh_from_db()
    assert case.claimed_by == moderator


def test_queue_counts_what_waits_and_lists_my_claims(org, other_org, moderator):
    colleague = UserFactory(organisation=moderator.organisation, is_moderator=True)
    mine = waiting(org, "Mine to review", claimed_by=moderator, claimed_at=timezone.now())
    waiting(other_org, "Held by a colleague", claimed_by=colleague, claimed_at=timezone.now())
    waiting(other_org, "Nobody holds this")
    CaseStudyFactory(organisation=other_org, status="draft", title="A draft, never listed")

    response = signed_in(moderator).get(reverse("moderation:queue"))
    html = response.content.decode()

    assert "3 items wait for review" in html
    assert "1 unclaimed" in html
    assert [item["case"] for item in response.context["my_claims"]] == [mine]
    claims = html.split('id="my-claims-h"', 1)[1].split("</section>", 1)[0]
    assert "Mine to review" in claims
    assert "Held by a colleague" not in claims
    assert "A draft, never listed" not in html


def test_a_filter_narrows_the_list_but_not_the_counts(org, other_org, moderator):
    waiting(org, "Green one", tlp="green")
    waiting(other_org, "Clear one", tlp="clear")

    response = signed_in(moderator).get(reverse("moderation:queue"), {"tlp": "clear"})

    assert [item["case"].title for item in response.context["items"]] == ["Clear one"]
    assert response.context["waiting"] == 2


def test_queue_makes_a_constant_number_of_queries(org, other_org, moderator):
    client = signed_in(moderator)
    waiting(org, "First", claimed_by=moderator, claimed_at=timezone.now())
    client.get(reverse("moderation:queue"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("moderation:queue")).status_code == 200
        return len(queries)

    before = count()
    for i in range(4):
        waiting(other_org, f"More {i}", claimed_by=moderator, claimed_at=timezone.now())
        waiting(org, f"Unclaimed {i}")

    assert count() == before
