"""Adoption feedback: rules, reads and writes.

Who may do what
---------------
- Record: a person (or write token) of an active organisation *other than the case's
  originator*, on a published case they may read (``visible_to``).
- Read: whoever may read the case. Adoptions are only ever read through
  ``adoptions_visible_to``, which joins them to ``CaseStudy.objects.visible_to(actor)``: a
  change to the case's visibility (withdrawal, TLP raised, recipient removed) applies to its
  adoptions at once, with no copy of the rule here.
- Edit or delete: people of the adopting organisation, while they may still read the case.
- Anonymised adoptions hide the adopting organisation from everyone but that organisation and
  the moderators (``adopter_visible``, mirroring ``CaseStudy.objects.with_originator_for``).

Every write records its audit row and a change-feed entry for the *case* in its transaction,
so feed consumers and webhooks receive the case again, with its adoptions.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Avg, BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between, person_of
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_acts_for, actor_moderates
from practices.exceptions import AdoptionRefused
from practices.hub import adoption_mail
from practices.hub.models import Adoption
from practices.sync.feed import change_record

Effectiveness, Evidence = CaseStudy.Effectiveness, CaseStudy.Evidence
FIELDS = ("applied_on", "where", "adaptation", "effect", "evidence", "attribution_mode")
# The scale as numbers, for averages; "not assessed" says nothing about the effect.
EFFECT_SCORES = {
    Effectiveness.INEFFECTIVE: 1,
    Effectiveness.PARTLY: 2,
    Effectiveness.EFFECTIVE: 3,
    Effectiveness.HIGHLY: 4,
}
EFFECT_SCORE_MAX = max(EFFECT_SCORES.values())


# --- Rules --------------------------------------------------------------------------------


def actor_organisation_id(actor) -> int | None:
    """The active organisation the actor acts for, or None (visitors, the deactivated)."""
    organisation_id = getattr(actor, "organisation_id", None)
    return organisation_id if actor_acts_for(actor, organisation_id) else None


def may_record(actor, case_study: CaseStudy) -> bool:
    """Whether the actor may say its organisation applied this case (which it can read)."""
    organisation_id = actor_organisation_id(actor)
    return (
        organisation_id is not None
        and organisation_id != case_study.organisation_id
        and case_study.status == CaseStudy.Status.PUBLISHED
    )


def may_change(actor, adoption: Adoption) -> bool:
    """Whether the actor may edit or delete this adoption (which it can read)."""
    return actor_acts_for(actor, adoption.organisation_id)


# --- Reads --------------------------------------------------------------------------------


def with_adopter_for(queryset: QuerySet[Adoption], actor) -> QuerySet[Adoption]:
    """Annotate ``adopter_visible``: may this actor learn which organisation adopted?"""
    if actor_moderates(actor):
        return queryset.annotate(adopter_visible=Value(True, output_field=BooleanField()))
    conditions = Q(attribution_mode=CaseStudy.AttributionMode.NAMED)
    organisation_id = actor_organisation_id(actor)
    if organisation_id is not None:
        conditions |= Q(organisation_id=organisation_id)
    return queryset.annotate(
        adopter_visible=Case(
            When(conditions, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def adoptions_visible_to(actor) -> QuerySet[Adoption]:
    """Adoptions of the cases the actor may read, anonymisation decided, adopter loaded."""
    readable = CaseStudy.objects.visible_to(actor).order_by().values("pk")
    return with_adopter_for(
        Adoption.objects.filter(case_study_id__in=readable).select_related("organisation"), actor
    )


def adoption_get(*, actor, case_study: CaseStudy, uuid) -> Adoption | None:
    """One adoption of this case the actor may read, or None (missing and hidden alike)."""
    adoption = adoptions_visible_to(actor).filter(case_study_id=case_study.pk, uuid=uuid).first()
    if adoption is not None:
        adoption.case_study = case_study
    return adoption


@dataclass
class Shown:
    """An adoption as a reader sees it on the case page."""

    adoption: Adoption
    changeable: bool


@dataclass
class AdoptionSummary:
    """The case page's "Applied by others": the adoptions, and how well they worked."""

    shown: list[Shown]
    effects: list[tuple[str, str, int]] = field(default_factory=list)
    evidence: list[tuple[str, str, int]] = field(default_factory=list)
    average: float | None = None
    may_record: bool = False

    @property
    def count(self) -> int:
        return len(self.shown)


def _distribution(values: list[str], choices) -> list[tuple[str, str, int]]:
    return [(value, label, values.count(value)) for value, label in choices]


def average_effect(effects: list[str]) -> float | None:
    """The mean of the assessed effects on the 1–4 scale, or None when none was assessed."""
    scores = [EFFECT_SCORES[e] for e in effects if e in EFFECT_SCORES]
    return round(sum(scores) / len(scores), 1) if scores else None


def adoption_summary(*, actor, case_study: CaseStudy) -> AdoptionSummary:
    """The adoptions of a case the actor reads, newest first, in one query."""
    adoptions = list(adoptions_visible_to(actor).filter(case_study_id=case_study.pk))
    for adoption in adoptions:
        adoption.case_study = case_study
    effects = [a.effect for a in adoptions]
    evidence = [a.evidence for a in adoptions]
    return AdoptionSummary(
        shown=[Shown(a, may_change(actor, a)) for a in adoptions],
        effects=_distribution(effects, Effectiveness.choices),
        evidence=_distribution(evidence, Evidence.choices),
        average=average_effect(effects),
        may_record=may_record(actor, case_study),
    )


# --- Writes -------------------------------------------------------------------------------


def _locked_readable_case(actor, case_study: CaseStudy) -> CaseStudy:
    """The case, locked against a concurrent withdrawal, if the actor may still read it."""
    locked = CaseStudy.objects.select_for_update().filter(pk=case_study.pk).first()
    if locked is None or not CaseStudy.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise AdoptionRefused(_("No case you may read has this address."))
    return locked


def _validated(adoption: Adoption) -> None:
    adoption.where = (adoption.where or "").strip()
    adoption.adaptation = (adoption.adaptation or "").strip()
    # Every field's message at once, in the words of the model's validators and clean().
    adoption.full_clean(exclude=["case_study", "organisation", "author"])


def _values(adoption: Adoption) -> dict:
    return {name: getattr(adoption, name) for name in FIELDS}


@transaction.atomic
def adoption_record(
    *,
    actor,
    case_study: CaseStudy,
    applied_on: datetime.date | None,
    where: str,
    effect: str,
    evidence: str,
    adaptation: str = "",
    attribution_mode: str = CaseStudy.AttributionMode.NAMED,
) -> Adoption:
    """Record that the actor's organisation applied the case's practice; audit it, add a feed
    entry for the case and tell the originating organisation by e-mail (after commit).

    Refused for the originator's own people, for a case the actor may not read and for a case
    that is not published."""
    case_study = _locked_readable_case(actor, case_study)
    organisation_id = actor_organisation_id(actor)
    if organisation_id is None:
        raise PermissionDenied(_("Only members of a partner organisation may record this."))
    if organisation_id == case_study.organisation_id:
        raise PermissionDenied(
            _(
                "Your organisation wrote this case: adoptions are recorded by the other "
                "organisations that applied it."
            )
        )
    if case_study.status != CaseStudy.Status.PUBLISHED:
        raise AdoptionRefused(_("Only a published case can be recorded as applied."))
    adoption = Adoption(
        case_study=case_study,
        organisation=actor.organisation,
        author=person_of(actor),
        applied_on=applied_on,
        where=where,
        adaptation=adaptation,
        effect=effect,
        evidence=evidence,
        attribution_mode=attribution_mode,
    )
    _validated(adoption)
    adoption.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=adoption,
        changes=changes_between({}, _values(adoption)),
        case_study=case_study,
    )
    change_record(case_study)
    adoption_mail.adoption_recorded_notify(adoption)
    return adoption


def _changeable(actor, adoption: Adoption) -> CaseStudy:
    case_study = _locked_readable_case(actor, adoption.case_study)
    if not may_change(actor, adoption):
        raise PermissionDenied(
            _("Only the organisation that recorded this adoption may change or remove it.")
        )
    return case_study


@transaction.atomic
def adoption_update(
    *, actor, adoption: Adoption, expected_version: int | None = None, **changes
) -> Adoption:
    """Change an adoption of the actor's organisation; audit it and add a feed entry for the
    case. ``expected_version`` refuses a stale edit."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"Not fields of an adoption: {sorted(unknown)}")
    case_study = _changeable(actor, adoption)
    locked = Adoption.objects.select_for_update().filter(pk=adoption.pk).first()
    if locked is None:
        raise AdoptionRefused(_("This adoption no longer exists."))
    if expected_version is not None and locked.version != expected_version:
        raise AdoptionRefused(
            _("Someone else changed this adoption meanwhile; reload the page and try again.")
        )
    before = _values(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.case_study = case_study
    _validated(locked)
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=locked,
        changes=changes_between(before, _values(locked)),
        case_study=case_study,
    )
    change_record(case_study)
    return locked


@transaction.atomic
def adoption_delete(*, actor, adoption: Adoption) -> None:
    """Remove an adoption of the actor's organisation; audit it and add a feed entry for the
    case."""
    case_study = _changeable(actor, adoption)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=adoption,
        changes=changes_between(_values(adoption), {}),
        case_study=case_study,
    )
    adoption.delete()
    change_record(case_study)


# --- Across cases (the insights page) -----------------------------------------------------


@dataclass
class Ranked:
    """A case in the ranking of the most-adopted practices."""

    case: CaseStudy
    adoptions: int
    average: float | None


def most_adopted(*, cases: QuerySet[CaseStudy], actor, limit: int = 10) -> list[Ranked]:
    """The cases of ``cases`` (built from ``visible_to``) adopted most often, with their average
    effect, in two queries. Every adoption of a readable case is readable, so counting the
    adoptions of these cases counts only what the reader may read."""
    score = Case(
        *(When(effect=value, then=Value(points)) for value, points in EFFECT_SCORES.items()),
        default=Value(None),
        output_field=models.FloatField(),
    )
    rows = list(
        Adoption.objects.filter(case_study_id__in=cases.order_by().values("pk"))
        .values("case_study_id")
        .annotate(n=Count("pk"), average=Avg(score))
        .order_by("-n", "-average", "case_study_id")[:limit]
    )
    if not rows:
        return []
    readable = {
        case.pk: case
        for case in CaseStudy.objects.for_reader(actor).filter(
            pk__in=[row["case_study_id"] for row in rows]
        )
    }
    return [
        Ranked(
            case=readable[row["case_study_id"]],
            adoptions=row["n"],
            average=round(row["average"], 1) if row["average"] is not None else None,
        )
        for row in rows
        if row["case_study_id"] in readable
    ]
