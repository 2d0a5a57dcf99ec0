"""A page of cases of every shape readable by one organisation, for the API's query-count and
rendering tests."""

from __future__ import annotations

from accounts.models import Organisation
from practices.models import Attachment, CaseStudy, Reference, Term
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory


def populate(
    n: int, *, org: Organisation, other_org: Organisation, terms: list[Term], extras: int
) -> list[CaseStudy]:
    """n cases readable by ``org``: its own (some anonymised, some drafts) and other
    organisations' (GREEN, and AMBER naming it), each with ``extras`` references and
    attachments; then a feed entry for each."""
    third = OrganisationFactory()
    cases = []
    for i in range(n):
        own = i % 2 == 0
        amber = i % 3 == 0
        cases.append(
            CaseStudyFactory(
                organisation=org if own else other_org,
                status="draft" if own and i % 4 == 0 else "published",
                tlp="amber" if amber else "green",
                attribution_mode="anonymised" if i % 5 < 2 else "named",
                recipients=[other_org if own else org, third] if amber else [],
                terms=terms[: 1 + i % len(terms)] + terms[-extras:],
            )
        )
    Reference.objects.bulk_create(
        Reference(case_study=case, url=f"https://example.org/{case.pk}/{k}", title=f"R{k}")
        for case in cases
        for k in range(extras)
    )
    Attachment.objects.bulk_create(
        Attachment(
            case_study=case,
            file=f"attachments/{case.uuid}/{k}",
            filename=f"evidence-{k}.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
        )
        for case in cases
        for k in range(extras)
    )
    feed.backfill()
    return cases
