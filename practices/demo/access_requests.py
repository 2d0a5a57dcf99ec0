"""Demo access requests: a member asks for access to a discoverable demo case, as a person would."""

from __future__ import annotations

import uuid

from accounts.models import User
from practices.cases.models import CaseStudy
from practices.demo.case_file import DEMO_NAMESPACE
from practices.hub.access import access_request_create
from practices.hub.models import AccessRequest

ACCESS_REQUESTS = [
    (
        "Fabricated 'leaked documents' on AUKUS submarine costs (demo)",
        "member@jp.demo",
        "Our office is tracking forged cabinet documents about defence spending; we would like "
        "to compare how the forgery was exposed and what the public statement said. (demo)",
    ),
]


def seed_access_requests(people: dict[str, User]) -> int:
    """Ask for access to the discoverable demo cases, once: a request is made only when that
    organisation never asked for that case, so a request people granted, declined or withdrew
    in the demo is not made again. Goes through the hub's service, as a person would. Returns
    how many requests were made."""
    made = 0
    for title, email, reason in ACCESS_REQUESTS:
        person = people[email]
        case = CaseStudy.objects.filter(uuid=uuid.uuid5(DEMO_NAMESPACE, title)).first()
        if (
            case is None
            or not CaseStudy.objects.discoverable_by(person).filter(pk=case.pk).exists()
        ):
            continue  # changed in the demo: no longer offered to them
        if AccessRequest.objects.filter(case_study=case, organisation=person.organisation).exists():
            continue
        access_request_create(actor=person, case_study=case, reason=reason)
        made += 1
    return made
