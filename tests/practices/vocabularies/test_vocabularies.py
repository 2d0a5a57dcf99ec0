"""The vocabulary loader: what it creates, and that loading again updates but never duplicates,
deactivates instead of deleting, and leaves keyword terms alone."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from practices.models import CaseStudy, Taxonomy, Term
from practices.vocabularies.loaders import DATA_DIR, DISARM_ATTRIBUTION, vocabularies_load
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

SOURCED = ("disarm-red", "disarm-blue", "country", "language", "platform", "theme")
SOURCED += ("threat-actor", "region")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the data files that a test may edit."""
    return Path(shutil.copytree(DATA_DIR, tmp_path / "data"))


def csv_edit(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Rewrite a CSV file with ``change`` applied to its rows, keeping every column."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(change(rows))


def terms(slug: str):
    return Term.objects.filter(taxonomy__slug=slug)


def test_load_creates_disarm_red_tree():
    counts = vocabularies_load()

    red = terms("disarm-red")
    tactics = red.filter(parent=None)
    assert tactics.count() == 16
    assert set(tactics.values_list("code", flat=True)) >= {"TA01", "TA02", "TA05", "TA18"}
    assert counts["disarm-red"]["created"] == 16 + 391 == red.count()

    technique = red.get(code="T0002")
    assert technique.label == "Facilitate State Propaganda"
    assert technique.description.startswith("Organise citizens around pro-state messaging")
    assert technique.parent.code == "TA02"

    sub = red.get(code="T0074.001")
    assert sub.parent.code == "T0074"
    assert sub.parent.parent.code == "TA01"
    assert sub.parent.parent.parent is None

    # Every technique hangs under a tactic, every sub-technique under its own technique.
    for term in red.exclude(parent=None).select_related("parent"):
        if "." in term.code:
            assert term.parent.code == term.code.split(".")[0]
        else:
            assert term.parent.code.startswith("TA")

    # Tactics in phase order (by rank): TA13 (rank 3) before TA14 (rank 4) before TA05 (rank 8).
    order = list(tactics.order_by("position").values_list("code", flat=True))
    assert order.index("TA13") < order.index("TA14") < order.index("TA05")
    # Each technique sits after its tactic and before the next tactic.
    assert red.get(code="TA01").position < technique.position < red.get(code="TA13").position

    taxonomy = Taxonomy.objects.get(slug="disarm-red")
    assert taxonomy.name == "DISARM Red: tactics and techniques"
    assert taxonomy.attribution == DISARM_ATTRIBUTION
    assert "v1.6" in taxonomy.source


def test_load_groups_disarm_blue_counters_by_metatechnique():
    vocabularies_load()

    blue = terms("disarm-blue")
    groups = blue.filter(parent=None)
    assert groups.count() == 14
    assert groups.get(code="M001").label == "Resilience"
    counters = blue.filter(code__startswith="C")
    assert counters.count() == 140
    assert not counters.filter(parent=None).exists()
    counter = counters.get(code="C00006")
    assert counter.label == "Charge for social media"
    assert (counter.parent.code, counter.parent.label) == ("M004", "Friction")
    # A counter with two metatechniques goes under the first one listed.
    assert counters.get(code="C00176").parent.code in {"M006", "M007", "M009"}
    assert Taxonomy.objects.get(slug="disarm-blue").attribution == DISARM_ATTRIBUTION


def test_load_creates_the_other_vocabularies():
    vocabularies_load()

    assert 245 <= terms("country").count() <= 260
    assert terms("country").get(code="EE").label == "Estonia"
    assert terms("country").get(code="KR").label == "South Korea"
    assert 180 <= terms("language").count() <= 190
    assert terms("language").get(code="ja").label == "Japanese"
    assert terms("language").get(code="el").label == "Greek"
    assert terms("language").get(code="ms").label == "Malay"  # "(macrolanguage)" dropped

    platforms = set(terms("platform").values_list("code", flat=True))
    assert {"x", "telegram", "vk", "line", "kakaotalk", "naver", "websites-blogs"} <= platforms
    themes = set(terms("theme").values_list("code", flat=True))
    assert {"elections", "ukraine", "taiwan-strait", "korean-peninsula", "nato"} <= themes
    assert terms("threat-actor").filter(code="unknown").exists()
    assert dict(terms("region").values_list("code", "label")) == {
        "euro-atlantic": "Euro-Atlantic",
        "indo-pacific": "Indo-Pacific",
        "global": "Global",
    }
    for slug in ("platform", "theme", "threat-actor", "region"):
        for code in terms(slug).values_list("code", flat=True):
            assert code == code.lower() and " " not in code

    keyword = Taxonomy.objects.get(slug="keyword")
    assert not keyword.terms.exists()
    assert list(Taxonomy.objects.values_list("slug", flat=True)) == [*SOURCED, "keyword"]


def test_loading_again_changes_nothing():
    first = vocabularies_load()
    total = Term.objects.count()

    second = vocabularies_load()

    assert Term.objects.count() == total
    assert set(second) == set(SOURCED)
    for slug, numbers in second.items():
        assert numbers == {
            "created": 0,
            "updated": 0,
            "reactivated": 0,
            "deactivated": 0,
            "unchanged": first[slug]["created"],
        }


def test_removed_term_is_deactivated_and_stays_on_cases(data_dir):
    vocabularies_load(data_dir)
    telegram = terms("platform").get(code="telegram")
    sub = terms("disarm-red").get(code="T0074.004")
    keyword_taxonomy = Taxonomy.objects.get(slug="keyword")
    keyword = Term.objects.create(taxonomy=keyword_taxonomy, code="deepfake", label="deepfake")
    case = CaseStudy.objects.create(organisation=OrganisationFactory(), title="x")
    case.terms.add(telegram, sub, keyword)

    csv_edit(data_dir / "platforms.csv", lambda rows: [r for r in rows if r["code"] != "telegram"])
    csv_edit(
        data_dir / "disarm" / "techniques.csv",
        lambda rows: [r for r in rows if r["disarm_id"] != "T0074.004"],
    )
    counts = vocabularies_load(data_dir)

    assert counts["platform"]["deactivated"] == 1
    assert counts["disarm-red"]["deactivated"] == 1
    telegram.refresh_from_db()
    sub.refresh_from_db()
    assert not telegram.is_active and not sub.is_active
    assert sub.parent.code == "T0074"
    assert set(case.terms.all()) == {telegram, sub, keyword}
    assert not terms("platform").active().filter(code="telegram").exists()
    keyword.refresh_from_db()
    assert keyword.is_active and keyword.label == "deepfake"

    # Back in the source: reactivated, still the same row.
    counts = vocabularies_load()
    assert counts["platform"]["reactivated"] == 1
    assert counts["disarm-red"]["reactivated"] == 1
    assert terms("platform").get(code="telegram").is_active
    assert terms("platform").get(code="telegram").pk == telegram.pk
    assert Term.objects.filter(pk=keyword.pk).exists()


def test_changed_label_and_parent_are_updated(data_dir):
    vocabularies_load(data_dir)
    total = Term.objects.count()

    def relabel(rows):
        for row in rows:
            if row["code"] == "x":
                row["label"] = "X"
        return rows

    def move(rows):
        for row in rows:
            if row["disarm_id"] == "T0002":
                row["tactic_id"] = "TA01"
        return rows

    csv_edit(data_dir / "platforms.csv", relabel)
    csv_edit(data_dir / "disarm" / "techniques.csv", move)
    counts = vocabularies_load(data_dir)

    assert counts["platform"]["updated"] == 1
    assert counts["platform"]["created"] == 0
    assert terms("platform").get(code="x").label == "X"
    assert terms("disarm-red").get(code="T0002").parent.code == "TA01"
    assert counts["disarm-red"]["created"] == 0
    assert Term.objects.count() == total


def test_new_term_in_source_is_created(data_dir):
    vocabularies_load(data_dir)
    with (data_dir / "regions.csv").open("a", encoding="utf-8") as handle:
        handle.write("arctic,Arctic,The High North.\n")

    counts = vocabularies_load(data_dir)

    assert counts["region"] == {
        "created": 1,
        "updated": 0,
        "reactivated": 0,
        "deactivated": 0,
        "unchanged": 3,
    }
    assert terms("region").get(code="arctic").label == "Arctic"


def test_broken_source_is_refused_before_anything_is_written(data_dir):
    with (data_dir / "themes.csv").open("a", encoding="utf-8") as handle:
        handle.write("elections,Elections again,\n")

    with pytest.raises(ValueError, match="appears twice"):
        vocabularies_load(data_dir)

    assert not Taxonomy.objects.exists()
    assert not Term.objects.exists()


def test_command_prints_counts():
    out = StringIO()
    call_command("load_vocabularies", stdout=out)

    printed = out.getvalue()
    assert "disarm-red: created 407, updated 0, reactivated 0, deactivated 0" in printed
    assert "region: created 3," in printed
    assert "Vocabularies loaded" in printed
