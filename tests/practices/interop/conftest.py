"""Fixtures of the interoperability tests: a small vocabulary, organisations with tokens, and
cases written with their change-feed entries (as the services write them)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import Organisation
from accounts.services import api_token_create
from practices.models import CaseStudy, Reference, Taxonomy, Term
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory


@pytest.fixture
def vocabulary(db) -> dict[str, Term]:
    """Terms by code: a DISARM tactic with a technique and a sub-technique, a counter, a country,
    a threat actor and a theme."""
    made = {}
    taxonomies = {
        slug: Taxonomy.objects.create(slug=slug, name=slug)
        for slug in ("disarm-red", "disarm-blue", "country", "threat-actor", "theme")
    }
    tactic = Term.objects.create(
        taxonomy=taxonomies["disarm-red"], code="TA06", label="Develop Content"
    )
    made["TA06"] = tactic
    made["T0086"] = Term.objects.create(
        taxonomy=taxonomies["disarm-red"], code="T0086", label="Develop Image-Based Content",
        parent=tactic,
    )  # fmt: skip
    made["T0086.002"] = Term.objects.create(
        taxonomy=taxonomies["disarm-red"], code="T0086.002", label="Develop AI-Generated Images",
        parent=made["T0086"],
    )  # fmt: skip
    made["C00159"] = Term.objects.create(
        taxonomy=taxonomies["disarm-blue"],
        code="C00159",
        label="Have a disinformation response plan",
    )
    made["EE"] = Term.objects.create(taxonomy=taxonomies["country"], code="EE", label="Estonia")
    made["apt-x"] = Term.objects.create(
        taxonomy=taxonomies["threat-actor"], code="apt-x", label="Storm Example"
    )
    made["elections"] = Term.objects.create(
        taxonomy=taxonomies["theme"], code="elections", label="Elections"
    )
    return made


def token_for(organisation: Organisation) -> str:
    _, secret = api_token_create(actor=None, organisation=organisation, name="interop")
    return secret


def bearer(organisation: Organisation) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(organisation)}")


def make_case(*, terms=(), references=(), **fields) -> CaseStudy:
    """A case with its change-feed entry, in one transaction, as a service would write it."""
    fields.setdefault("incident", "Forged images of ballots spread on X.")
    fields.setdefault("response", "Fact-checks within the hour.")
    fields.setdefault("lessons", "Prepare templates before the election.")
    with transaction.atomic():
        case = CaseStudyFactory(terms=list(terms), **fields)
        for position, (url, title) in enumerate(references):
            Reference.objects.create(case_study=case, url=url, title=title, position=position)
        feed.change_record(case)
    return case


def touch(case: CaseStudy, **fields) -> CaseStudy:
    """Change a case and record it in the feed (a new version)."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(case, name, value)
        case.version += 1
        case.save()
        feed.change_record(case)
    return case


@pytest.fixture
def author_org(db) -> Organisation:
    return OrganisationFactory(
        name="Japanese Authoring Office",
        short_name="JP AO",
        country="JP",
        region=Organisation.Region.INDO_PACIFIC,
    )


@pytest.fixture
def reader_org(db) -> Organisation:
    return OrganisationFactory(name="Estonian Reading Office", short_name="EE RO")


@pytest.fixture
def recipient_org(db) -> Organisation:
    return OrganisationFactory(name="Canadian Recipient Office", short_name="CA RO", country="CA")


@pytest.fixture
def strict_org(db) -> Organisation:
    return OrganisationFactory(
        name="Korean Strict Recipient",
        short_name="KR SR",
        country="KR",
        region=Organisation.Region.INDO_PACIFIC,
    )


@pytest.fixture
def world(vocabulary, author_org, recipient_org, strict_org) -> dict[str, CaseStudy]:
    """Cases of the author organisation: named GREEN, anonymised GREEN, AMBER for the recipient,
    AMBER+STRICT for the strict recipient, and a draft."""
    everything = [
        vocabulary[c] for c in ("TA06", "T0086", "T0086.002", "C00159", "EE", "apt-x", "elections")
    ]
    return {
        "green": make_case(
            organisation=author_org, title="Named green", tlp="green", terms=everything,
            references=[("https://example.org/report", "A report")],
        ),
        "anonymised": make_case(
            organisation=author_org, title="Anonymised green", tlp="green",
            attribution_mode="anonymised", terms=[vocabulary["T0086"]],
        ),
        "amber": make_case(
            organisation=author_org, title="Amber for recipients", tlp="amber",
            recipients=[recipient_org, strict_org], terms=[vocabulary["C00159"]],
        ),
        "strict": make_case(
            organisation=author_org, title="Amber strict", tlp="amber_strict",
            recipients=[strict_org],
        ),
        "draft": make_case(organisation=author_org, title="A draft", tlp="green", status="draft"),
    }  # fmt: skip
