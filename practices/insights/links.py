"""Reading case links: the links of a case a reader is shown, and the form that makes one.

A link is shown only to a reader who may read **both** its cases: the links of a case are read
in one query filtered by ``visible_to`` on both ends; the other ends are then loaded through
``for_reader`` (anonymisation decided), which applies the same rule again.
"""

from __future__ import annotations

import re
import uuid as uuid_lib
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.insights.models import CaseLink
from practices.insights.services import NOTE_MAX, may_remove

Kind = CaseLink.Kind
# How a link reads from the case at each end: "this case — amplified — that one", and from
# that one, "amplified by" this case.
OUTGOING = {
    Kind.SAME_NARRATIVE: _("Same narrative as"),
    Kind.AMPLIFIED: _("Amplified"),
    Kind.RESPONSE_ADAPTED_FROM: _("Response adapted from"),
}
INCOMING = {
    Kind.SAME_NARRATIVE: _("Same narrative as"),
    Kind.AMPLIFIED: _("Amplified by"),
    Kind.RESPONSE_ADAPTED_FROM: _("Response adapted in"),
}
# A UUID anywhere in the text (a page's or the API's URL, or the bare identifier).
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_UUID = re.compile(UUID_PATTERN)


@dataclass
class ShownLink:
    """A link as one of its cases shows it: ``other`` is the case at the other end."""

    link: CaseLink
    other: CaseStudy
    outgoing: bool
    removable: bool

    @property
    def label(self) -> str:
        return str((OUTGOING if self.outgoing else INCOMING)[self.link.kind])


def case_link_list(*, actor, case_study: CaseStudy) -> list[ShownLink]:
    """The links of this case, in both directions, that the actor may see (both ends readable),
    oldest first; two queries whatever their number."""
    readable = CaseStudy.objects.visible_to(actor).order_by().values("pk")
    links = list(
        CaseLink.objects.filter(Q(from_case_id=case_study.pk) | Q(to_case_id=case_study.pk))
        .filter(from_case_id__in=readable, to_case_id__in=readable)
        .order_by("created_at", "pk")
    )
    if not links:
        return []
    other_ids = {
        link.to_case_id if link.from_case_id == case_study.pk else link.from_case_id
        for link in links
    }
    others = {
        case.pk: case
        for case in CaseStudy.objects.for_reader(actor)
        .filter(pk__in=other_ids)
        .only("uuid", "title", "tlp", "status", "language", "attribution_mode", "organisation")
    }
    shown = []
    for link in links:
        outgoing = link.from_case_id == case_study.pk
        other = others.get(link.to_case_id if outgoing else link.from_case_id)
        if other is None:  # became unreadable between the two reads
            continue
        link.from_case, link.to_case = (case_study, other) if outgoing else (other, case_study)
        shown.append(ShownLink(link, other, outgoing, may_remove(actor, link)))
    return shown


def case_link_get(*, actor, case_study: CaseStudy, link_uuid) -> CaseLink | None:
    """A link of this case the actor may see, or None (missing and hidden alike)."""
    for shown in case_link_list(actor=actor, case_study=case_study):
        if shown.link.uuid == link_uuid:
            return shown.link
    return None


def case_reference(text: str) -> uuid_lib.UUID | None:
    """The case a pasted address or identifier names: the UUID in it (a case page's URL, an
    API URL or the bare identifier), or None."""
    found = _UUID.search(text or "")
    return uuid_lib.UUID(found.group(0)) if found else None


def case_by_reference(*, actor, text: str) -> CaseStudy | None:
    """The case the text names if the actor may read it; None otherwise (one answer for a
    missing case and a hidden one)."""
    found = case_reference(text)
    if found is None:
        return None
    return CaseStudy.objects.visible_to(actor).filter(uuid=found).first()


class CaseLinkForm(forms.Form):
    """Link the case on the page to another: how they relate, and which case."""

    kind = forms.ChoiceField(label=_("How are they related?"), choices=Kind.choices)
    to_case = forms.CharField(
        label=_("Related case"),
        max_length=300,
        help_text=_(
            "Paste the address of its page (or its identifier, e.g. "
            "3f2b8c1e-0d4a-4b7e-9a61-2c5d8e9f0a17)."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what the link rests on."),
    )

    def clean_to_case(self) -> str:
        text = self.cleaned_data["to_case"]
        if case_reference(text) is None:
            raise forms.ValidationError(
                _("Enter the address of a case page, or a case's identifier.")
            )
        return text
