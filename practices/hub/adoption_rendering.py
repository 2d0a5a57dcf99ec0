"""Adoptions in the case's representation (API, change feed, webhooks): the ``adoptions``
part that ``PracticesConfig.ready()`` installs in ``practices.cases.rendering``.

The rows come with a case the reader may already read (the renderers start from
``for_reader``), so every adoption of it is readable; only the adopter's name depends on the
reader (``adopter_visible`` below, the same rule as ``adoptions.with_adopter_for``).
"""

from __future__ import annotations

from collections import defaultdict

from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_moderates
from practices.cases.rendering import Part, datetime_render
from practices.hub.adoptions import actor_organisation_id
from practices.hub.models import Adoption

_COLUMNS = (
    "case_study_id", "uuid", "organisation_id", "organisation__name",
    "organisation__short_name", "organisation__slug", "organisation__country",
    "organisation__region", "attribution_mode", "applied_on", "where", "adaptation", "effect",
    "evidence", "version", "created_at", "updated_at",
)  # fmt: skip


def adoptions_load(case_ids: list[int]) -> dict[int, list[dict]]:
    """The adoptions of these cases, newest first, in one query (the ids as one array: a feed
    page's 500 as an ``IN`` list were a tenth of its time, adapted one by one)."""
    loaded: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Adoption.objects.filter(case_study_id__any=case_ids)
        .order_by("-applied_on", "-created_at", "-id")
        .values(*_COLUMNS)
    )
    for row in rows:
        loaded[row["case_study_id"]].append(row)
    return loaded


def _adopter(row: dict, visible: bool) -> dict:
    if visible:
        return {
            "anonymised": False,
            "name": row["organisation__name"],
            "short_name": row["organisation__short_name"],
            "slug": row["organisation__slug"],
            "country": row["organisation__country"] or None,
            "region": row["organisation__region"],
        }
    return {
        "anonymised": True,
        "name": None,
        "short_name": None,
        "slug": None,
        "country": None,
        "region": row["organisation__region"],
    }


def adoptions_render(rows: list[dict], actor) -> list[dict]:
    """One case's adoptions as ``AdoptionSerializer`` describes them, for this reader."""
    if not rows:  # most cases: nothing to learn about the reader for
        return []
    moderator = actor_moderates(actor)
    own = actor_organisation_id(actor)
    named = CaseStudy.AttributionMode.NAMED
    return [
        {
            "uuid": str(row["uuid"]),
            "adopter": _adopter(
                row,
                moderator or row["attribution_mode"] == named or row["organisation_id"] == own,
            ),
            "attribution_mode": row["attribution_mode"],
            "applied_on": row["applied_on"].isoformat(),
            "where": row["where"],
            "adaptation": row["adaptation"],
            "effect": row["effect"],
            "evidence": row["evidence"],
            "version": row["version"],
            "created_at": datetime_render(row["created_at"]),
            "updated_at": datetime_render(row["updated_at"]),
        }
        for row in rows
    ]


ADOPTIONS = Part(key="adoptions", load=adoptions_load, render=adoptions_render)
