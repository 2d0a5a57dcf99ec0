"""The DISARM framework as STIX 2.1 (the TAXII ``disarm`` collection), and the marking
definitions every collection refers to.

Techniques become ``attack-pattern``s with the DISARM tactic as their kill-chain phase
(``kill_chain_name`` ``disarm``), counters ``course-of-action``s; each has the ``DISARM``
external reference (id and page) and is marked TLP:CLEAR and with DISARM Foundation's
attribution. Their ids are UUIDv5 of the code alone (``disarm/T0086``), so they stay the same
across exports and differ from a case's own copies (which carry the case's TLP).
"""

from __future__ import annotations

import uuid

from django.utils.text import slugify

from practices.interop import stix
from practices.vocabularies.models import Term

TLP_CLEAR = stix.TLP_MARKINGS["clear"][0]


def markings() -> list[dict]:
    """Every marking-definition the portal's objects use, in a fixed order."""
    return [*(stix.tlp_marking(tlp) for tlp in stix.TLP_MARKINGS), stix.disarm_marking()]


def _identity() -> dict:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": stix.DISARM_IDENTITY,
        "created": stix.DISARM_CREATED,
        "modified": stix.DISARM_CREATED,
        "name": "DISARM Foundation",
        "identity_class": "organization",
        "object_marking_refs": [TLP_CLEAR],
    }


def _object(kind: str, code: str, label: str, description: str) -> dict:
    obj = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid5(stix.NAMESPACE, f'disarm/{code}')}",
        "created_by_ref": stix.DISARM_IDENTITY,
        "created": stix.DISARM_CREATED,
        "modified": stix.DISARM_CREATED,
        "name": f"{code} {label}",
        "external_references": [stix.disarm_reference(code)],
        "object_marking_refs": [TLP_CLEAR, stix.DISARM_MARKING],
    }
    if description:
        obj["description"] = description
    return obj


def framework_objects() -> list[dict]:
    """DISARM's identity, techniques (by code) and counters (by code), in a fixed order."""
    rows = (
        Term.objects.filter(taxonomy__slug__in=["disarm-red", "disarm-blue"], is_active=True)
        .order_by("taxonomy__slug", "code")
        .values_list(
            "taxonomy__slug", "code", "label", "description",
            "parent__code", "parent__label", "parent__parent__code", "parent__parent__label",
        )
    )  # fmt: skip
    out = [_identity()]
    for taxonomy, code, label, description, p_code, p_label, _pp_code, pp_label in rows:
        if taxonomy == "disarm-blue":
            out.append(_object("course-of-action", code, label, description))
            continue
        if code.startswith("TA"):
            continue  # tactics are the phases of the techniques, not objects of their own
        obj = _object("attack-pattern", code, label, description)
        tactic = p_label if (p_code or "").startswith("TA") else pp_label
        if tactic:
            phase = {"kill_chain_name": "disarm", "phase_name": slugify(tactic)}
            obj["kill_chain_phases"] = [phase]
        out.append(obj)
    return out
