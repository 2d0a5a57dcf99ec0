"""Cases as STIX 2.1: a bundle per case, or one for a whole search.

The JSON is written by hand (no ``stix2`` objects, no network): the ``stix2`` library knows only
TLP 1.0, and building plain dicts is what lets a TAXII page of a thousand objects stay cheap.

One case becomes
- a ``report`` (title, summary, ``published``, every other object in ``object_refs``),
- an ``identity`` for the originator, or "A partner organisation (<region>)" when the reader
  may not learn who wrote it (``originator_visible`` from ``for_reader``), as ``created_by_ref``
  of every object,
- an ``attack-pattern`` per DISARM Red technique and a ``course-of-action`` per DISARM Blue
  counter (external reference ``DISARM`` with the id and the framework's page), and a
  ``mitigates`` ``relationship`` from each counter to each technique of the case (the case says
  which counters were used against the incident, not against which of its techniques),
- a ``location`` per country, a ``threat-actor`` per threat actor,
- a ``note`` per section of the narrative (incident, response, outcome, lessons,
  recommendations).

Every object carries the case's TLP 2.0 marking (the fixed marking-definition ids and the
extension definition FIRST/OASIS publish, ``cti-stix-common-objects``); DISARM's objects carry
DISARM Foundation's attribution as a statement marking as well, which its CC BY-SA licence asks.

Ids are UUIDv5 of the case's UUID and the part (``report``, ``attack-pattern/T0086``, …), so an
unchanged case exports to the same bytes; every object of a case is the case's own (nothing is
shared between cases), so a version is simply the case's: ``created`` is when the case was
created and ``modified`` when it last changed (its ``version`` rides along as
``x_cdpe_version``). The two views of the originator have different ids, so a named identity and
its anonymised stand-in never share an id, and anonymised identities of different cases cannot
be linked to each other. Portal-specific properties start with ``x_cdpe_``.

Text is exported as written (Markdown is text too); the labels the portal adds (the partner
organisation's region, effectiveness) are in English, as in the CSV export, whatever the
reader's language.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.cases.rendering import Relations, relations_load
from practices.vocabularies.loaders import DISARM_ATTRIBUTION, DISARM_VERSION

# The namespace of every id the portal makes (a fixed random UUID: changing it changes every id).
NAMESPACE = uuid.UUID("bd375d82-207c-45bc-bdaa-17846014ec33")
EXPORT_LANGUAGE = "en-gb"

# TLP 2.0 as FIRST and OASIS publish it for STIX 2.1 (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): fixed ids, names and the extension's value.
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CREATED = "2022-10-01T00:00:00.000Z"
TLP_MARKINGS = {
    CaseStudy.TLP.CLEAR: ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
    CaseStudy.TLP.GREEN: ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
    CaseStudy.TLP.AMBER: ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
    CaseStudy.TLP.AMBER_STRICT: (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "amber+strict",
    ),
}

DISARM_SOURCE = "DISARM"
DISARM_PAGES = "https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages"
# When the framework's objects were made, as far as the portal is concerned: they change only
# with a new framework version, and then this date moves with DISARM_VERSION.
DISARM_CREATED = "2024-01-01T00:00:00.000Z"
DISARM_MARKING = f"marking-definition--{uuid.uuid5(NAMESPACE, 'disarm-attribution')}"
DISARM_IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'disarm-foundation')}"

# The sections of the narrative that become notes, with the note's abstract.
NOTE_SECTIONS = {
    "incident": "Incident: what was spread",
    "response": "Response: what was done",
    "outcome": "Outcome: what changed",
    "lessons": "Lessons learned",
    "recommendations": "Recommendations",
}
# Term taxonomies that become objects of their own, with the STIX type they become.
TERM_TYPES = {
    "disarm-red": "attack-pattern",
    "disarm-blue": "course-of-action",
    "country": "location",
    "threat-actor": "threat-actor",
}
# Taxonomies that become report labels ("theme:elections").
LABEL_TAXONOMIES = ("theme", "platform", "region", "language", "keyword")


def stix_id(kind: str, case_uuid: uuid.UUID | str, part: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{case_uuid}/{part}')}"


def timestamp(value: datetime.datetime) -> str:
    """STIX timestamps: UTC, millisecond precision, "Z"."""
    value = value.astimezone(datetime.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def tlp_marking(tlp: str) -> dict:
    marking_id, level = TLP_MARKINGS[tlp]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking_id,
        "created": TLP_CREATED,
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def disarm_marking() -> dict:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": DISARM_MARKING,
        "created": DISARM_CREATED,
        "name": "DISARM Framework attribution",
        "definition_type": "statement",
        "definition": {"statement": f"{DISARM_VERSION}. {DISARM_ATTRIBUTION}."},
    }


def disarm_reference(code: str) -> dict:
    folder = "counters" if code.startswith("C") else "techniques"
    return {
        "source_name": DISARM_SOURCE,
        "external_id": code,
        "url": f"{DISARM_PAGES}/{folder}/{code}.md",
    }


def is_technique(taxonomy: str, code: str) -> bool:
    # DISARM Red holds tactics (TA05) too; a tactic is a phase, not an attack-pattern.
    return taxonomy != "disarm-red" or not code.startswith("TA")


def originator_name(case: CaseStudy) -> str:
    organisation = case.organisation
    if getattr(case, "originator_visible", False):
        return organisation.name
    with translation.override(EXPORT_LANGUAGE):
        region = str(Organisation.Region(organisation.region).label)
    return f"A partner organisation ({region})"


def candidate_ids(
    case_uuid: uuid.UUID | str, terms: Iterable[tuple[str, str]], *, originator_visible: bool
) -> set[str]:
    """Every id a case's export can hold, from its uuid and its ``(taxonomy, code)`` terms only:
    what the TAXII server compares an asked-for id with before rendering anything."""
    ids = {
        stix_id("report", case_uuid, "report"),
        stix_id("identity", case_uuid, "identity" if originator_visible else "identity/anonymised"),
    }
    ids |= {stix_id("note", case_uuid, f"note/{section}") for section in NOTE_SECTIONS}
    techniques, counters = [], []
    for taxonomy, code in terms:
        if taxonomy in TERM_TYPES and is_technique(taxonomy, code):
            ids.add(stix_id(TERM_TYPES[taxonomy], case_uuid, f"{taxonomy}/{code}"))
            (counters if taxonomy == "disarm-blue" else techniques).append((taxonomy, code))
    for _blue, counter in counters:
        for red, technique in techniques:
            if red == "disarm-red":
                ids.add(stix_id("relationship", case_uuid, f"mitigates/{counter}/{technique}"))
    return ids


class CaseObjects:
    """The STIX objects of one case, in a fixed order (report first, then its parts)."""

    def __init__(self, case: CaseStudy, relations: Relations, *, site: str) -> None:
        self.case = case
        self.terms = relations.terms.get(case.pk, [])
        self.references = relations.references.get(case.pk, [])
        self.site = site
        self.created = timestamp(case.created_at)
        self.modified = timestamp(case.updated_at)
        self.tlp_ref = TLP_MARKINGS[case.tlp][0]
        visible = getattr(case, "originator_visible", False)
        self.identity_id = stix_id(
            "identity", case.uuid, "identity" if visible else "identity/anonymised"
        )

    def _common(self, kind: str, part: str, *, disarm: bool = False) -> dict:
        markings = [self.tlp_ref, DISARM_MARKING] if disarm else [self.tlp_ref]
        return {
            "type": kind,
            "spec_version": "2.1",
            "id": stix_id(kind, self.case.uuid, part),
            "created_by_ref": self.identity_id,
            "created": self.created,
            "modified": self.modified,
            "object_marking_refs": markings,
        }

    def objects(self) -> list[dict]:
        parts = [self._identity(), *self._terms(), *self._relationships(), *self._notes()]
        return [self._report([p["id"] for p in parts if p["id"] != self.identity_id]), *parts]

    def _identity(self) -> dict:
        case = self.case
        identity = self._common("identity", "")
        identity["id"] = self.identity_id
        del identity["created_by_ref"]
        identity["name"] = originator_name(case)
        identity["identity_class"] = "organization"
        identity["x_cdpe_region"] = case.organisation.region
        if getattr(case, "originator_visible", False) and case.organisation.country:
            identity["x_cdpe_country"] = case.organisation.country.code
        return identity

    def _report(self, refs: list[str]) -> dict:
        case = self.case
        report = self._common("report", "report")
        page = self.site + reverse("practices:case-detail", args=[case.uuid])
        published = case.published_at or case.updated_at
        labels = [
            f"{taxonomy}:{code}" for taxonomy, code, _label in self.terms
            if taxonomy in LABEL_TAXONOMIES
        ]  # fmt: skip
        report |= {
            "name": case.title,
            "description": case.summary,
            "report_types": ["threat-report"],
            "published": timestamp(published),
            "object_refs": [self.identity_id, *refs],
            "lang": case.language,
            "external_references": [
                {"source_name": "cdpe", "external_id": str(case.uuid), "url": page},
                *self._references(),
            ],
            "x_cdpe_version": case.version,
            "x_cdpe_status": case.status,
            "x_cdpe_effectiveness": case.effectiveness,
            "x_cdpe_attribution_confidence": case.attribution_confidence,
        }
        if labels:
            report["labels"] = labels
        if case.evidence:
            report["x_cdpe_evidence"] = case.evidence
        for name in ("incident_start", "incident_end", "response_start", "response_end"):
            if value := getattr(case, name):
                report[f"x_cdpe_{name}"] = value.isoformat()
        if case.summary_translation:
            report["x_cdpe_summary_translation"] = case.summary_translation
            report["x_cdpe_summary_translation_language"] = case.summary_translation_language
        return report

    def _references(self) -> list[dict]:
        out = []
        for reference in self.references:
            entry = {
                "source_name": "reference",
                "description": reference["title"],
                "url": reference["url"],
            }
            out.append(entry)
            if reference["archive_url"]:
                out.append(
                    {
                        "source_name": "archived copy",
                        "description": reference["title"],
                        "url": reference["archive_url"],
                    }
                )
        return out

    def _terms(self) -> list[dict]:
        out = []
        for taxonomy, code, label in self.terms:
            kind = TERM_TYPES.get(taxonomy)
            if kind is None or not is_technique(taxonomy, code):
                continue
            disarm = taxonomy.startswith("disarm")
            item = self._common(kind, f"{taxonomy}/{code}", disarm=disarm)
            if disarm:
                item["name"] = f"{code} {label}"
                item["external_references"] = [disarm_reference(code)]
            elif kind == "location":
                item |= {"name": label, "country": code}
            else:
                item |= {
                    "name": label,
                    "x_cdpe_attribution_confidence": self.case.attribution_confidence,
                }
            out.append(item)
        return out

    def _relationships(self) -> list[dict]:
        techniques = [
            (code, label) for taxonomy, code, label in self.terms
            if taxonomy == "disarm-red" and is_technique(taxonomy, code)
        ]  # fmt: skip
        counters = [code for taxonomy, code, _label in self.terms if taxonomy == "disarm-blue"]
        case_uuid = self.case.uuid
        out = []
        for counter in counters:
            for technique, _technique_label in techniques:
                item = self._common("relationship", f"mitigates/{counter}/{technique}")
                item |= {
                    "relationship_type": "mitigates",
                    "source_ref": stix_id("course-of-action", case_uuid, f"disarm-blue/{counter}"),
                    "target_ref": stix_id("attack-pattern", case_uuid, f"disarm-red/{technique}"),
                    "description": (
                        f"{counter} was used in response to an incident with {technique}."
                    ),
                    "x_cdpe_effectiveness": self.case.effectiveness,
                }
                out.append(item)
        return out

    def _notes(self) -> list[dict]:
        out = []
        report_id = stix_id("report", self.case.uuid, "report")
        for section, abstract in NOTE_SECTIONS.items():
            text = getattr(self.case, section)
            if not text.strip():
                continue
            note = self._common("note", f"note/{section}")
            note |= {
                "abstract": abstract,
                "content": text,
                "object_refs": [report_id],
                "lang": self.case.language,
                "x_cdpe_section": section,
            }
            if section == "outcome":
                note["x_cdpe_effectiveness"] = self.case.effectiveness
            out.append(note)
        return out


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def cases_objects(cases: Sequence[CaseStudy]) -> list[list[dict]]:
    """The objects of each case (in the given order), loading relations once for all of them."""
    relations = relations_load([case.pk for case in cases], recipients=False)
    site = site_url()
    return [CaseObjects(case, relations, site=site).objects() for case in cases]


def markings_for(objects: Iterable[dict]) -> list[dict]:
    """The marking-definitions the objects refer to, in a fixed order."""
    used = {ref for obj in objects for ref in obj.get("object_marking_refs", ())}
    out = [tlp_marking(tlp) for tlp, (mid, _level) in TLP_MARKINGS.items() if mid in used]
    if DISARM_MARKING in used:
        out.append(disarm_marking())
    return out


def bundle(cases: Sequence[CaseStudy], *, name: str) -> dict:
    """One bundle of these cases' objects and the markings they use. Its id is a UUIDv5 of
    ``name`` and each case's uuid and version, so the same cases export to the same bundle."""
    objects = [obj for case_objects in cases_objects(cases) for obj in case_objects]
    key = name + "|" + ",".join(f"{case.uuid}@{case.version}" for case in cases)
    return {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(NAMESPACE, key)}",
        "objects": [*markings_for(objects), *objects],
    }
