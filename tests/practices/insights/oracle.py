"""What the pages across cases should count, worked out from ``visible_to`` and plain Python,
independently of the code under test."""

from __future__ import annotations

import datetime

from django.http import QueryDict

from practices.discovery.search import case_search
from practices.models import CaseStudy


def readable(actor) -> list[CaseStudy]:
    """The published cases the actor may read: what every figure counts from."""
    return list(CaseStudy.objects.visible_to(actor).published().prefetch_related("terms__taxonomy"))


def tags_of(case: CaseStudy) -> set[str]:
    return {f"{t.taxonomy.slug}:{t.code}" for t in case.terms.all()}


def parse(query: str) -> dict[str, list[str]]:
    """``tag=country:JP&tlp=green`` → ``{"country": ["JP"], "tlp": ["green"]}``."""
    filters: dict[str, list[str]] = {}
    for name, values in QueryDict(query).lists():
        for value in values:
            if name == "tag":
                slug, _, code = value.partition(":")
                filters.setdefault(slug, []).append(code)
            else:
                filters.setdefault(name, []).append(value)
    return filters


def matches(case: CaseStudy, filters: dict[str, list[str]]) -> bool:
    """Whether the browse list of these filters holds ``case`` (OR within a family, AND
    across families)."""
    tags = tags_of(case)
    year = str(case.incident_start.year) if case.incident_start else None
    for family, values in filters.items():
        if family == "q":
            found = case_search(CaseStudy.objects.filter(pk=case.pk), values[0])
            if not found.exists():
                return False
        elif family == "tlp":
            if case.tlp not in values:
                return False
        elif family == "year":
            if year not in values:
                return False
        elif family == "effectiveness":
            if case.effectiveness not in values:
                return False
        elif family == "written_in":
            if case.language not in values:
                return False
        elif family == "period_from":
            day = datetime.date.fromisoformat(values[0])
            if case.incident_end is not None and case.incident_end < day:
                return False
            if case.incident_end is None and case.incident_start is None:
                return False
        elif family == "period_to":
            day = datetime.date.fromisoformat(values[0])
            if case.incident_start is None or case.incident_start > day:
                return False
        elif not tags & {f"{family}:{code}" for code in values}:
            return False
    return True


def matching(actor, query: str, *, without: tuple[str, ...] = (), **chosen) -> list[CaseStudy]:
    """The readable cases of ``query`` with each family of ``chosen`` set to those values
    (``chosen={"disarm-red": ["T0086"]}``: the query's own DISARM Red choice replaced) and
    the families ``without`` left out."""
    filters = {**parse(query), **chosen}
    filters = {family: values for family, values in filters.items() if family not in without}
    return [case for case in readable(actor) if matches(case, filters)]
