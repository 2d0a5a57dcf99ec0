"""``cases_render`` writes what ``CaseStudySerializer`` (the schema) describes, to the byte:
compared here on one page for every kind of reader, with and without a request."""

from __future__ import annotations

import json

import pytest
from django.db.models import Prefetch
from rest_framework.test import APIRequestFactory
from rest_framework.utils.encoders import JSONEncoder

from accounts.authentication import OrganisationActor
from practices.cases.rendering import cases_render
from practices.cases.representation import CaseStudySerializer
from practices.models import Attachment, CaseStudy, Term
from tests.factories import UserFactory
from tests.practices.api.pages import populate


def _serialized(cases, actor, request) -> str:
    """The serializer's output as the API wrote it before cases_render, through its
    prefetches."""
    data = CaseStudySerializer(cases, many=True, context={"actor": actor, "request": request}).data
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


def _readable(actor):
    return (
        CaseStudy.objects.for_reader(actor)
        .prefetch_related(
            Prefetch("terms", queryset=Term.objects.select_related("taxonomy")),
            "references",
            "recipients",
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id")),
        )
        .order_by("-created_at", "-id")
    )


@pytest.fixture
def readers(org, other_org, member, moderator):
    return {
        "member": member,
        "token": OrganisationActor(org),
        "recipient": UserFactory(organisation=other_org, email="reader@other.test"),
        "moderator": moderator,
    }


@pytest.mark.parametrize("with_request", [True, False], ids=["api", "webhook"])
@pytest.mark.parametrize("who", ["member", "token", "recipient", "moderator"])
def test_rendering_matches_the_serializer(org, other_org, terms, readers, who, with_request):
    terms[0].translations = {"fr": "Traduit", "ja": "翻訳"}  # labels stay English in the API
    terms[0].save()
    cases = populate(12, org=org, other_org=other_org, terms=terms, extras=2)
    populate(2, org=org, other_org=other_org, terms=terms, extras=0)  # no tags beyond one
    CaseStudy.objects.filter(pk=cases[1].pk).update(
        evidence="anecdotal",
        summary_translation="Résumé",
        summary_translation_language="fr",
        language="ja",
        incident_start="2024-01-02",
        response_end="2024-03-04",
    )
    actor = readers[who]
    request = APIRequestFactory().get("/api/v1/cases/") if with_request else None
    page = list(_readable(actor))
    assert len(page) >= 8
    assert {c.originator_visible for c in page} == ({True} if who == "moderator" else {True, False})

    lean = json.dumps(cases_render(page, actor=actor, request=request), ensure_ascii=False)

    assert lean == _serialized(page, actor, request)
