"""Term labels in the reader's language: the curated vocabularies' own translations, countries
from django-countries, languages from pycountry, DISARM in English; stored labels, search and
the API keep English."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from practices.discovery.facets import case_facets
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.search import case_search, search_index_rebuild
from practices.models import CaseStudy, Term
from practices.vocabularies.labels import content_language_choices, language_name
from practices.vocabularies.loaders import DATA_DIR, vocabularies_load
from tests.factories import CaseStudyFactory

pytestmark = pytest.mark.django_db

CURATED = ("platform", "theme", "threat-actor", "region")


@pytest.fixture
def loaded():
    vocabularies_load()


def term(slug: str, code: str) -> Term:
    return Term.objects.select_related("taxonomy").get(taxonomy__slug=slug, code=code)


def test_every_curated_term_is_loaded_with_french_japanese_and_korean_labels(loaded):
    curated = Term.objects.filter(taxonomy__slug__in=CURATED)
    assert curated.count() > 80
    for item in curated:
        assert set(item.translations) == {"fr", "ja", "ko"}, item.code
        assert all(label.strip() for label in item.translations.values()), item.code
    assert term("theme", "elections").translations == {
        "fr": "Élections et référendums",
        "ja": "選挙・国民投票",
        "ko": "선거 및 국민투표",
    }
    # Other vocabularies take their names from their libraries, not from the database.
    assert not Term.objects.exclude(taxonomy__slug__in=CURATED).exclude(translations={}).exists()


def test_every_curated_csv_has_the_translation_columns():
    for name in ("platforms.csv", "themes.csv", "threat_actors.csv", "regions.csv"):
        with (DATA_DIR / name).open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header[:5] == ["code", "label", "label_fr", "label_ja", "label_ko"], name


@pytest.mark.parametrize(
    ("reader", "theme", "country", "language", "region"),
    [
        ("en-gb", "Public health", "Japan", "Korean", "Indo-Pacific"),
        ("fr", "Santé publique", "Japon", "Coréen", "Indo-Pacifique"),
        ("ja", "公衆衛生", "日本", "韓国語", "インド太平洋"),
        ("ko", "공중보건", "일본", "한국어", "인도·태평양"),
    ],
)
def test_labels_follow_the_active_language(loaded, reader, theme, country, language, region):
    with translation.override(reader):
        assert term("theme", "health").display_label == theme
        assert term("country", "JP").display_label == country
        assert term("language", "ko").display_label == language
        assert term("region", "indo-pacific").display_label == region
        # DISARM names stay as the framework publishes them.
        assert term("disarm-red", "T0002").display_label == term("disarm-red", "T0002").label
    assert term("theme", "health").label == "Public health"


def test_language_names_come_from_the_libraries_without_librarians_qualifiers():
    assert language_name("el", "en") == "Greek"
    assert language_name("ms", "fr") == "Malais"  # pycountry: "Malais (macrolangue)"
    assert language_name("el", "ja") == "ギリシャ語"  # pycountry has none: Django's name
    assert language_name("uk", "ko") == "우크라이나어"
    with translation.override("ja"):
        choices = content_language_choices()
    assert [code for code, _ in choices[0][1]] == ["en", "fr", "ja", "ko"]
    assert dict(choices[0][1])["en"] == "英語"
    assert len(choices[1][1]) == 180


def test_a_missing_translation_falls_back_to_english(tmp_path: Path):
    data_dir = Path(shutil.copytree(DATA_DIR, tmp_path / "data"))
    path = data_dir / "platforms.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["code"] == "radio":
            row["label_ja"] = ""
            row["label_fr"] = "La radio"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    vocabularies_load()

    counts = vocabularies_load(data_dir)

    assert counts["platform"]["updated"] == 1
    radio = term("platform", "radio")
    assert radio.translations == {"fr": "La radio", "ko": "라디오"}
    with translation.override("ja"):
        assert radio.display_label == "Radio"


@pytest.fixture
def tagged(loaded, other_org):
    case = CaseStudyFactory(
        organisation=other_org,
        title="Typhoon relief rumours",
        tlp="clear",
        terms=[
            term("theme", "natural-disasters"),
            term("country", "JP"),
            term("platform", "line"),
            term("disarm-red", "T0002"),
        ],
    )
    search_index_rebuild()
    return case


def test_the_case_page_and_card_show_labels_in_the_readers_language(tagged, member):
    client = Client()
    client.force_login(member)
    with translation.override("ja"):
        page = client.get(
            reverse("practices:case-detail", args=[tagged.uuid]), HTTP_ACCEPT_LANGUAGE="ja"
        ).content.decode()
        listing = client.get(reverse("practices:case-list"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "災害・緊急事態" in page
    assert "日本" in page
    assert term("disarm-red", "T0002").label in page
    assert "災害・緊急事態" in listing.content.decode()
    labels = {
        value.value: value.label for facet in listing.context["facets"] for value in facet.values
    }
    assert labels["theme:natural-disasters"] == "災害・緊急事態"
    assert labels["country:JP"] == "日本"


def test_search_still_finds_a_case_by_its_english_label_or_code(tagged):
    with translation.override("ko"):
        for text in ("Disasters and emergencies", "T0002"):
            found = case_search(CaseStudy.objects.all(), text)
            assert list(found) == [tagged], text


def test_facet_counts_are_labelled_in_the_readers_language(tagged, member):
    filterset = CaseStudyFilterSet.for_reader({}, actor=member)
    with translation.override("fr"):
        facets = {facet.family: facet for facet in case_facets(filterset)}
        labels = {value.value: value.label for value in facets["theme"].values}
    assert labels == {"theme:natural-disasters": "Catastrophes et situations d'urgence"}


def test_the_api_keeps_english_labels_and_offers_the_translations(tagged, member):
    from accounts.services import api_token_create

    _, secret = api_token_create(actor=None, organisation=member.organisation, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="ja")
    with translation.override("ja"):
        case = client.get(f"/api/v1/cases/{tagged.uuid}/").json()
        terms = client.get("/api/v1/taxonomies/theme/terms/").json()
    assert {
        "taxonomy": "theme",
        "code": "natural-disasters",
        "label": "Disasters and emergencies",
    } in case["tags"]
    listed = terms["results"] if isinstance(terms, dict) else terms
    health = next(t for t in listed if t["code"] == "health")
    assert health["label"] == "Public health"
    assert health["translations"]["ko"] == "공중보건"


def test_the_facet_term_search_finds_terms_by_their_name_in_the_readers_language(loaded, member):
    client = Client()
    client.force_login(member)
    url = reverse("practices:case-terms")
    with translation.override("ja"):
        found = client.get(url, {"taxonomy": "country", "q": "日本"}, HTTP_ACCEPT_LANGUAGE="ja")
        english = client.get(url, {"taxonomy": "country", "q": "japan"}, HTTP_ACCEPT_LANGUAGE="ja")
        theme = client.get(url, {"taxonomy": "theme", "q": "公衆"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert [t["label"] for t in found.context["terms"]] == ["日本"]
    assert [t["label"] for t in english.context["terms"]] == ["日本"]
    assert [t["label"] for t in theme.context["terms"]] == ["公衆衛生"]


def test_search_finds_a_case_by_its_terms_names_in_each_interface_language(tagged):
    for text in ("Japon", "日本", "일본", "Catastrophes"):
        found = case_search(CaseStudy.objects.all(), text)
        assert list(found) == [tagged], text
