"""Demo adoptions: partner organisations saying they applied a demo case's practice, named and
anonymised. Safe to load again: each has a fixed UUID, an existing one is left as it is."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import transaction

from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.demo.case_file import DEMO_NAMESPACE
from practices.hub.models import Adoption
from practices.sync import feed

Status = CaseStudy.Status

# (case title, adopting organisation, applied on, where, adaptation, effect, evidence, attribution)
ADOPTIONS = (
    (
        "Deepfake audio of a minister before local elections, met by pre-bunking (demo)",
        "demo-jp-cao",
        date(2025, 4, 10),
        "Prefectural assembly elections, Japan",
        "Pre-bunking videos in Japanese, shown on LINE and in station adverts.",
        "effective",
        "measured",
        "named",
    ),
    (
        "Deepfake audio of a minister before local elections, met by pre-bunking (demo)",
        "demo-kr-mofa",
        date(2025, 6, 2),
        "Local by-elections",
        "A shorter explainer for KakaoTalk; no paid advertising.",
        "partly_effective",
        "observed",
        "anonymised",
    ),
    (
        "Telegram channels targeting Ukrainian refugees with false benefit cuts (demo)",
        "demo-uk-ccu",
        date(2025, 3, 1),
        "Refugee support centres in England",
        "The weekly **true this month** bulletin, printed and posted in support centres.",
        "highly_effective",
        "observed",
        "named",
    ),
    (
        "NATO exercise 'invasion' hoax with a re-captioned convoy video (demo)",
        "demo-au-dfat",
        date(2024, 9, 15),
        "A combined exercise in northern Australia",
        "Residents were told in advance what they would see, in English and local languages.",
        "effective",
        "anecdotal",
        "anonymised",
    ),
)


def _adoption_uuid(title: str, organisation: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"adoption:{organisation}:{title}")


@transaction.atomic
def seed_adoptions(organisations: dict[str, Organisation]) -> int:
    """Create the demo adoptions that do not exist yet (of published CLEAR or GREEN demo cases,
    by organisations other than the originator, named and anonymised); returns how many exist.

    Like the cases, an existing one is left as it is. A case that already has feed entries gets
    one more, so consumers see its new adoptions."""
    cases = {
        case.title: case
        for case in CaseStudy.objects.filter(title__in=[a[0] for a in ADOPTIONS]).filter(
            status=Status.PUBLISHED, tlp__in=[CaseStudy.TLP.CLEAR, CaseStudy.TLP.GREEN]
        )
    }
    uuids = [_adoption_uuid(entry[0], entry[1]) for entry in ADOPTIONS]
    existing = set(Adoption.objects.filter(uuid__in=uuids).values_list("uuid", flat=True))
    changed = {}
    for (title, slug, applied_on, where, adaptation, effect, evidence, mode), key in zip(
        ADOPTIONS, uuids, strict=True
    ):
        case = cases.get(title)  # moved on (withdrawn, deleted) in the demo: left out
        if key in existing or case is None or case.organisation_id == organisations[slug].pk:
            continue
        Adoption.objects.create(
            uuid=key, case_study=case, organisation=organisations[slug], applied_on=applied_on,
            where=where, adaptation=adaptation, effect=effect, evidence=evidence,
            attribution_mode=mode,
        )  # fmt: skip
        changed[case.pk] = case
    for case in changed.values():
        if case.changes.exists():
            feed.change_record(case)
    return Adoption.objects.filter(uuid__in=uuids).count()
