"""The organisations and people of the adoption tests, and a case with an adoption."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.test import Client

from accounts.models import Organisation
from practices.models import Adoption, CaseStudy
from tests.conftest import enrol_totp
from tests.factories import CaseStudyFactory, OrganisationFactory, UserFactory

ADOPTER_NAME = "Korean Adopting Agency"
ADOPTER_SHORT = "KAA"
ORIGINATOR_NAME = "Estonian Originating Office"


@dataclass
class Scene:
    originator: Organisation
    recipient: Organisation
    adopter: Organisation
    bystander: Organisation
    people: dict

    def case(self, *, tlp="green", status="published", anonymised=False) -> CaseStudy:
        restricted = tlp in CaseStudy.RESTRICTED_TLPS
        return CaseStudyFactory(
            organisation=self.originator,
            tlp=tlp,
            status=status,
            recipients=[self.recipient, self.adopter] if restricted else [],
            published_at="2026-01-05T00:00:00Z",
        )

    def adoption(self, case: CaseStudy, *, anonymised=False, **extra) -> Adoption:
        values = {
            "applied_on": datetime.date(2026, 2, 1),
            "where": "Busan municipal elections",
            "adaptation": "Translated the **pre-bunking** leaflets.",
            "effect": "effective",
            "evidence": "observed",
            "attribution_mode": "anonymised" if anonymised else "named",
            **extra,
        }
        return Adoption.objects.create(
            case_study=case, organisation=self.adopter, author=self.people["adopter"], **values
        )

    def client(self, who: str) -> Client:
        client = Client()
        if who != "visitor":
            client.force_login(self.people[who])
        return client


def make_scene() -> Scene:
    originator = OrganisationFactory(name=ORIGINATOR_NAME, short_name="EOO", country="EE")
    recipient = OrganisationFactory(name="Norwegian Recipient Unit", short_name="NRU", country="NO")
    adopter = OrganisationFactory(
        name=ADOPTER_NAME,
        short_name=ADOPTER_SHORT,
        country="KR",
        partner_group="ap4_partner",
        region="indo_pacific",
    )
    bystander = OrganisationFactory(name="Bystander Bureau", short_name="BB", country="FR")
    hub = OrganisationFactory(name="Hub", short_name="Hub", partner_group="hub", country="LV")
    moderator = UserFactory(organisation=hub, is_moderator=True, email="moderator@hub.test")
    enrol_totp(moderator)
    people = {
        "originator": UserFactory(organisation=originator, email="author@orig.test"),
        "recipient": UserFactory(organisation=recipient, email="reader@recipient.test"),
        "adopter": UserFactory(organisation=adopter, email="doer@adopter.test"),
        "bystander": UserFactory(organisation=bystander, email="someone@bystander.test"),
        "moderator": moderator,
    }
    return Scene(originator, recipient, adopter, bystander, people)
