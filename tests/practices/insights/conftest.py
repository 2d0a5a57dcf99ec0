"""A small DISARM vocabulary and cases of every visibility, shared by the tests of the pages
across cases (matrix, "what worked", Navigator layer, their API)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from practices.discovery.search import search_index_rebuild
from practices.models import Taxonomy, Term
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

# (code, label, parent): in the order the loader stores them, tactics in phase order.
RED = [
    ("TA01", "Plan Strategy", None),
    ("T0073", "Determine Target Audiences", "TA01"),
    ("T0074", "Determine Strategic Ends", "TA01"),
    ("T0074.001", "Geopolitical Advantage", "T0074"),
    ("TA06", "Develop Content", None),
    ("T0086", "Develop Image-Based Content", "TA06"),
    ("T0099", "Impersonate Existing Entity", "TA06"),
    ("TA02", "Plan Objectives", None),
]
BLUE = [
    ("M004", "Friction", None),
    ("C00008", "Create shared fact-checking database", "M004"),
    ("C00159", "Have a disinformation response plan", "M004"),
    ("M010", "Countermessaging", None),
    ("C00030", "Develop a compelling counter narrative", "M010"),
]
OTHER = {
    "country": {"JP": "Japan", "KR": "Korea", "EE": "Estonia", "AU": "Australia"},
    "theme": {"elections": "Elections and referendums"},
    "platform": {"x": "X (Twitter)"},
    "threat-actor": {"state": "State actor"},
    "region": {"indo-pacific": "Indo-Pacific", "euro-atlantic": "Euro-Atlantic"},
}
ACTORS = ("visitor", "member", "recipient", "moderator", "author")


def term(tag: str) -> Term:
    slug, _, code = tag.partition(":")
    return Term.objects.get(taxonomy__slug=slug, code=code)


@pytest.fixture
def disarm(db):
    for position, (slug, rows) in enumerate([("disarm-red", RED), ("disarm-blue", BLUE)], 1):
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug, position=position)
        made: dict[str, Term] = {}
        for index, (code, label, parent) in enumerate(rows, 1):
            made[code] = Term.objects.create(
                taxonomy=taxonomy, code=code, label=label, parent=made.get(parent), position=index
            )
    for position, (slug, terms) in enumerate(OTHER.items(), 3):
        taxonomy = Taxonomy.objects.create(slug=slug, name=slug.title(), position=position)
        for code, label in terms.items():
            Term.objects.create(taxonomy=taxonomy, code=code, label=label)


@pytest.fixture
def recipient(db):
    return UserFactory(organisation=OrganisationFactory(name="Third office"))


def make_case(
    title,
    *,
    tags,
    organisation,
    status="published",
    tlp="green",
    year=2024,
    effectiveness="effective",
    evidence="",
    recipients=(),
    age=0,
    summary="",
):
    return CaseStudyFactory(
        title=title,
        organisation=organisation,
        status=status,
        tlp=tlp,
        summary=summary or "A fictional incident.",
        incident_start=datetime.date(year, 3, 1) if year else None,
        effectiveness=effectiveness,
        evidence=evidence,
        published_at=(
            timezone.now() - datetime.timedelta(days=age) if status == "published" else None
        ),
        recipients=list(recipients),
        terms=[term(t) for t in tags],
    )


@pytest.fixture
def world(disarm, org, other_org, recipient, moderator):
    """Cases of every visibility; the author is ``other_org`` unless said otherwise."""

    def case(title, **kwargs):
        kwargs.setdefault("organisation", other_org)
        return make_case(title, **kwargs)

    cases = [
        case(
            "Ballot rumours",
            summary="Rumours about the elections.",
            age=1,
            evidence="measured",
            tags=[
                "disarm-red:T0086",
                "disarm-blue:C00159",
                "country:JP",
                "theme:elections",
                "platform:x",
                "threat-actor:state",
                "region:indo-pacific",
            ],
        ),
        case(
            "Harbour video",
            tlp="clear",
            year=2025,
            effectiveness="partly_effective",
            evidence="observed",
            age=2,
            tags=[
                "disarm-red:T0073",
                "disarm-red:T0074.001",
                "disarm-blue:C00030",
                "country:KR",
                "region:indo-pacific",
            ],
        ),
        case(
            "Baltic letters",
            summary="Letters before the elections.",
            effectiveness="highly_effective",
            evidence="anecdotal",
            age=3,
            tags=[
                "disarm-red:T0086",
                "disarm-blue:C00159",
                "disarm-blue:C00030",
                "country:EE",
                "theme:elections",
                "region:euro-atlantic",
            ],
        ),
        case(
            "Amber for the third office",
            tlp="amber",
            recipients=[recipient.organisation],
            year=2023,
            effectiveness="highly_effective",
            evidence="measured",
            age=4,
            tags=["disarm-red:T0086", "disarm-blue:C00008", "country:JP", "theme:elections"],
        ),
        case(
            "Amber for the reader",
            tlp="amber_strict",
            recipients=[org],
            effectiveness="ineffective",
            evidence="observed",
            age=5,
            tags=["disarm-red:T0086", "disarm-red:T0074", "disarm-blue:C00159", "country:JP"],
        ),
        case(
            "Strict for the third office",
            tlp="amber_strict",
            recipients=[recipient.organisation],
            effectiveness="effective",
            evidence="measured",
            age=6,
            tags=["disarm-red:T0099", "disarm-blue:C00008", "country:AU"],
        ),
        case(
            "Draft", status="draft", tags=["disarm-red:T0099", "disarm-blue:C00008", "country:AU"]
        ),
        case("Withdrawn", status="withdrawn", tags=["disarm-red:T0099", "disarm-blue:C00008"]),
        case("Submitted", status="submitted", tags=["disarm-red:T0099", "disarm-blue:C00030"]),
        case(
            "Reader's own amber",
            organisation=org,
            tlp="amber",
            year=2025,
            effectiveness="not_assessed",
            age=7,
            tags=["disarm-red:T0086", "country:EE"],
        ),
        case(
            "Undated", tlp="clear", year=None, age=8, tags=["disarm-red:T0086", "theme:elections"]
        ),
    ]
    search_index_rebuild()
    return cases


@pytest.fixture
def people(member, recipient, moderator, outsider):
    """The readers: a visitor, a member of an organisation that is the recipient of one AMBER
    case, a member of one that receives another, a moderator, and a member of the author."""
    return {
        "visitor": AnonymousUser(),
        "member": member,
        "recipient": recipient,
        "moderator": moderator,
        "author": outsider,
    }
