"""The most-adopted practices as CSV: the insights page's table, row for row, for every kind of
reader and the page's filters; an adoption of a case the reader may not read never counts, and
no adopting organisation is named (the page names none either)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from practices.hub.adoptions import EFFECT_SCORES
from practices.models import CaseStudy
from tests.practices.hub.adoption_scene import ADOPTER_NAME, ADOPTER_SHORT, make_scene

pytestmark = pytest.mark.django_db

# The visitor, a member of an organisation some AMBER cases name as recipient, a member of one
# they do not name, a moderator, the adopting and the originating organisations.
READERS = ["visitor", "recipient", "bystander", "moderator", "adopter", "originator"]
QUERIES = ["", "tlp=green", "tlp=amber&tlp=clear"]


@pytest.fixture
def scene(db):
    scene = make_scene()
    clear = scene.case(tlp="clear")
    green = scene.case(tlp="green")
    amber = scene.case(tlp="amber")  # recipient and adopter only (and moderators)
    strict = scene.case(tlp="amber_strict")
    withdrawn = scene.case(tlp="green", status="withdrawn")  # in no ranking: not published
    draft = scene.case(tlp="clear", status="draft")
    scene.adoption(clear, effect="ineffective")
    scene.adoption(clear, effect="effective", anonymised=True)
    scene.adoption(clear, effect="not_assessed")
    for effect in ("highly_effective", "partly_effective"):
        scene.adoption(green, effect=effect, anonymised=True)
    for _ in range(3):
        scene.adoption(amber, effect="highly_effective")
    for _ in range(4):
        scene.adoption(strict, effect="not_assessed", anonymised=True)
    for case in (withdrawn, draft):
        for _ in range(5):
            scene.adoption(case, effect="effective")
    return scene


def csv_of(client, query: str) -> tuple[str, list[dict]]:
    response = client.get(reverse("practices:insights-csv", args=["adopted"]) + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="insights-adopted.csv"'
    text = response.content.decode()
    return text, list(csv.DictReader(io.StringIO(text)))


def expected(actor, query: str) -> list[tuple[str, int, str]]:
    """The ranking worked out from ``visible_to`` and plain Python: (uuid, adoptions, average)
    of the readable published cases with adoptions, most adopted first."""
    tlps = [part.partition("=")[2] for part in query.split("&") if part]
    rows = []
    for case in CaseStudy.objects.visible_to(actor).published().prefetch_related("adoptions"):
        adoptions = list(case.adoptions.all())
        if not adoptions or (tlps and case.tlp not in tlps):
            continue
        scores = [EFFECT_SCORES[a.effect] for a in adoptions if a.effect in EFFECT_SCORES]
        average = round(sum(scores) / len(scores), 1) if scores else None
        rows.append((len(adoptions), average, case.pk, str(case.uuid)))
    rows.sort(key=lambda r: (-r[0], -(r[1] if r[1] is not None else -1), r[2]))
    return [
        (uuid, n, f"{average:.1f}" if average is not None else "") for n, average, _pk, uuid in rows
    ]


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("query", QUERIES)
def test_the_csv_holds_the_pages_table(scene, who, query):
    client = scene.client(who)
    page = client.get(reverse("practices:insights") + "?" + query)
    assert page.status_code == 200
    table = page.context["adopted"]
    text, rows = csv_of(client, query)
    assert [(r["uuid"], int(r["adoptions"]), r["average_effect"]) for r in rows] == [
        (
            str(row.case.uuid),
            row.adoptions,
            f"{row.average:.1f}" if row.average is not None else "",
        )
        for row in table
    ]
    for row, ranked in zip(rows, table, strict=True):
        assert row["title"] == ranked.case.title
        assert row["tlp"] == ranked.case.tlp
        assert row["url"] == f"http://testserver/cases/{ranked.case.uuid}/#adoptions"
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    # The CSV is linked from the table, with the page's search.
    link = reverse("practices:insights-csv", args=["adopted"]) + (f"?{query}" if query else "")
    assert f'href="{link}"'.replace("&", "&amp;") in page.content.decode()
    # No adopter is named, anonymised or not: the page names none either.
    assert ADOPTER_NAME not in text and ADOPTER_SHORT not in text


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("query", QUERIES)
def test_only_adoptions_of_readable_cases_count(scene, who, query):
    actor = scene.people.get(who)
    _text, rows = csv_of(scene.client(who), query)
    assert [(r["uuid"], int(r["adoptions"]), r["average_effect"]) for r in rows] == expected(
        actor, query
    )


def test_each_reader_sees_exactly_the_cases_it_may_read(scene):
    # By TLP: the counts the ranking shows (withdrawn and draft cases rank for nobody).
    seen = {
        who: sorted((r["tlp"], int(r["adoptions"])) for r in csv_of(scene.client(who), "")[1])
        for who in READERS
    }
    everything = [("amber", 3), ("amber_strict", 4), ("clear", 3), ("green", 2)]
    assert seen == {
        "visitor": [("clear", 3)],
        "recipient": everything,  # named on the AMBER and AMBER+STRICT cases
        "bystander": [("clear", 3), ("green", 2)],
        "moderator": everything,
        "adopter": everything,
        "originator": everything,
    }


def test_a_case_that_stops_being_readable_leaves_the_csv(scene):
    client = scene.client("bystander")
    _text, before = csv_of(client, "")
    green = CaseStudy.objects.get(uuid=before[-1]["uuid"])
    assert green.tlp == "green"
    green.tlp = "amber"
    green.save()
    _text, after = csv_of(client, "")
    assert [r["uuid"] for r in after] == [r["uuid"] for r in before[:-1]]
