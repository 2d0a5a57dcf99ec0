"""Cases as MISP events, and the MISP feed (``manifest.json`` plus one event per case).

A case is one event: ``info`` is its title, ``date`` the day the incident started (or the day it
was published), the TLP as the ``tlp`` taxonomy's tag (``tlp:amber+strict`` included), DISARM
terms as the galaxy tags of MISP's own DISARM galaxies (``misp-galaxy:disarm-techniques="<name>"``
and ``misp-galaxy:disarm-countermeasures="<name>"``, the galaxy cluster's value being the
technique's or counter's name), the other terms as ``cdpe:<taxonomy>="<code>"`` tags, each
reference (and its archived copy) as a ``link`` attribute and each section of the narrative as a
``text`` attribute with the section named in its comment.

``Orgc`` (the creator organisation MISP records) follows the same rule as every other format:
the originator when the reader may learn it, else "A partner organisation (<region>)" with one
UUID per region, which names no organisation (several share a region). Ids are UUIDv5 of the
case's UUID and the part, so an unchanged case exports to the same event; ``timestamp`` is when
the case last changed. The labels the portal adds are in English, as in the other exports.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.urls import reverse

from practices.cases.models import CaseStudy
from practices.cases.rendering import Relations, relations_load
from practices.interop.stix import NAMESPACE, NOTE_SECTIONS, originator_name, site_url

TLP_TAGS = {
    CaseStudy.TLP.CLEAR: ("tlp:clear", "#ffffff"),
    CaseStudy.TLP.GREEN: ("tlp:green", "#33ff00"),
    CaseStudy.TLP.AMBER: ("tlp:amber", "#ffc000"),
    CaseStudy.TLP.AMBER_STRICT: ("tlp:amber+strict", "#ffc000"),
}
# MISP's distribution levels: 0 your organisation only, 1 this community only, 3 all communities.
DISTRIBUTION = {
    CaseStudy.TLP.CLEAR: "3",
    CaseStudy.TLP.GREEN: "1",
    CaseStudy.TLP.AMBER: "0",
    CaseStudy.TLP.AMBER_STRICT: "0",
}
GALAXIES = {"disarm-red": "disarm-techniques", "disarm-blue": "disarm-countermeasures"}
GALAXY_COLOUR = "#0088cc"
TAG_COLOUR = "#666666"
THREAT_LEVEL_UNDEFINED = "4"
ANALYSIS_COMPLETED = "2"


def _uuid(case_uuid, part: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{case_uuid}/misp/{part}"))


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "'") + '"'


def orgc(case: CaseStudy) -> dict:
    organisation = case.organisation
    if getattr(case, "originator_visible", False):
        key = f"organisation/{organisation.slug}"
    else:
        key = f"partner-organisation/{organisation.region}"
    return {"name": originator_name(case), "uuid": str(uuid.uuid5(NAMESPACE, key))}


def tags(case: CaseStudy, terms: Sequence[tuple[str, str, str]]) -> list[dict]:
    name, colour = TLP_TAGS[case.tlp]
    out = [{"name": name, "colour": colour, "exportable": True}]
    for taxonomy, code, label in terms:
        if taxonomy in GALAXIES:
            if code.startswith("TA"):
                continue  # a tactic has no cluster in the techniques galaxy
            tag = f"misp-galaxy:{GALAXIES[taxonomy]}={_quoted(label)}"
            out.append({"name": tag, "colour": GALAXY_COLOUR, "exportable": True})
        else:
            tag = f"cdpe:{taxonomy}={_quoted(code)}"
            out.append({"name": tag, "colour": TAG_COLOUR, "exportable": True})
    return out


def _date(case: CaseStudy) -> str:
    day = case.incident_start or (case.published_at or case.updated_at).date()
    return day.isoformat()


def _attribute(case: CaseStudy, part: str, *, kind: str, category: str, value: str, comment: str):
    return {
        "uuid": _uuid(case.uuid, part),
        "type": kind,
        "category": category,
        "value": value,
        "comment": comment,
        "to_ids": False,
        "distribution": "5",  # as the event
        "timestamp": str(int(case.updated_at.timestamp())),
    }


def event(case: CaseStudy, relations: Relations, *, site: str) -> dict:
    """The MISP event of one case, as ``{"Event": {...}}``."""
    terms = relations.terms.get(case.pk, [])
    page = site + reverse("practices:case-detail", args=[case.uuid])
    attributes = [
        _attribute(
            case, "page", kind="link", category="External analysis", value=page,
            comment="The case study on the Practice Exchange",
        )
    ]  # fmt: skip
    for position, reference in enumerate(relations.references.get(case.pk, [])):
        attributes.append(
            _attribute(
                case, f"reference/{position}", kind="link", category="External analysis",
                value=reference["url"], comment=reference["title"],
            )
        )  # fmt: skip
        if reference["archive_url"]:
            attributes.append(
                _attribute(
                    case, f"reference/{position}/archive", kind="link",
                    category="External analysis", value=reference["archive_url"],
                    comment=f"Archived copy: {reference['title']}",
                )
            )  # fmt: skip
    for section, label in [("summary", "Summary"), *NOTE_SECTIONS.items()]:
        text = getattr(case, section)
        if text.strip():
            attributes.append(
                _attribute(
                    case, f"text/{section}", kind="text", category="Other", value=text,
                    comment=label,
                )
            )  # fmt: skip
    stamp = str(int(case.updated_at.timestamp()))
    return {
        "Event": {
            "uuid": str(case.uuid),
            "info": case.title,
            "date": _date(case),
            "threat_level_id": THREAT_LEVEL_UNDEFINED,
            "analysis": ANALYSIS_COMPLETED,
            "distribution": DISTRIBUTION[case.tlp],
            "published": case.status == CaseStudy.Status.PUBLISHED,
            "timestamp": stamp,
            "publish_timestamp": str(int((case.published_at or case.updated_at).timestamp())),
            "Orgc": orgc(case),
            "Tag": tags(case, terms),
            "Attribute": attributes,
        }
    }


def events(cases: Sequence[CaseStudy]) -> list[dict]:
    relations = relations_load([case.pk for case in cases], recipients=False)
    site = site_url()
    return [event(case, relations, site=site) for case in cases]


def manifest_entry(payload: dict) -> dict:
    """The feed manifest's entry for an event: what MISP reads before fetching the event."""
    body = payload["Event"]
    return {
        "info": body["info"],
        "Orgc": body["Orgc"],
        "analysis": body["analysis"],
        "threat_level_id": body["threat_level_id"],
        "timestamp": body["timestamp"],
        "publish_timestamp": body["publish_timestamp"],
        "date": body["date"],
        "Tag": [{"name": tag["name"], "colour": tag["colour"]} for tag in body["Tag"]],
    }
