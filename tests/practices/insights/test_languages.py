"""The matrix, its Blue view, "what worked", the insights and across theatres in every
language: no sentence of the catalogues is left in English (the page walk's check,
tests/i18n/test_page_walk.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from practices.models import CaseStudy
from tests.i18n.test_page_walk import LANGUAGES, assert_page_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_across_cases_speak_the_readers_language(world, member, language):
    member.language = language
    member.save(update_fields=["language"])
    client = Client()
    client.force_login(member)
    case = CaseStudy.objects.get(title="Ballot rumours")
    for url in (
        reverse("practices:matrix") + "?tag=disarm-red:T0086",
        reverse("practices:matrix-blue") + "?q=elections",
        reverse("practices:what-worked", args=["disarm-red", "T0086"]) + "?tag=country:JP",
        reverse("practices:what-worked", args=["theme", "elections"]),
        reverse("practices:insights") + "?q=elections",
        reverse("practices:insights-theatres"),
        reverse("practices:case-list") + "?tag=disarm-red:T0086",
        reverse("practices:case-detail", args=[case.uuid]),
    ):
        assert_page_in(client.get(url), language)
