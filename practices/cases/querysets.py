"""Query sets for case studies. ``CaseStudyQuerySet.visible_to`` is the permission boundary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Value, When


def _actor_organisation_id(actor) -> int | None:
    """The organisation an actor reads for, or None when it may read only public material.

    An actor is a person (or, through the API, a token acting for an organisation). A
    deactivated person, or anyone of an inactive organisation, reads like a visitor — and since
    such people cannot sign in, in practice that means not at all.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    organisation = getattr(actor, "organisation", None)
    if organisation is None or not organisation.is_active:
        return None
    return organisation.pk


def actor_acts_for(actor, organisation_id: int | None) -> bool:
    """Whether the actor acts for this organisation.

    Every "own organisation" check goes through here (or ``actor_owns``), so that it follows
    the same rule as ``visible_to``: a deactivated person, or anyone of an inactive
    organisation, acts for no organisation.
    """
    own = _actor_organisation_id(actor)
    return own is not None and own == organisation_id


def actor_owns(actor, case_study) -> bool:
    """Whether the actor acts for the organisation that wrote this case (its originator)."""
    return actor_acts_for(actor, case_study.organisation_id)


def actor_moderates(actor) -> bool:
    """Whether the actor reads as a moderator: a moderator of an inactive organisation, or a
    deactivated one, reads like a visitor in ``visible_to`` and so moderates nothing."""
    return bool(getattr(actor, "is_moderator", False)) and _actor_organisation_id(actor) is not None


class CaseStudyQuerySet(models.QuerySet):
    def visible_to(self, actor) -> CaseStudyQuerySet:
        """The cases this actor may read — the one place that decides it (DESIGN.md table).

        - Visitors: published TLP:CLEAR, and only if the public view is enabled.
        - Members of an active organisation: every case of their own organisation in any
          status; published CLEAR and GREEN cases; published AMBER and AMBER+STRICT cases
          that name their organisation as a recipient.
        - Moderators: additionally every case that has left draft (submitted, changes
          requested, published, rejected, withdrawn) — never another organisation's draft.
        - Withdrawn cases are therefore visible only to their organisation and moderators.
        """
        Status, TLP = self.model.Status, self.model.TLP
        organisation_id = _actor_organisation_id(actor)
        public = Q(status=Status.PUBLISHED, tlp=TLP.CLEAR)
        if organisation_id is None:
            if actor is not None and actor.is_authenticated and not actor.is_active:
                return self.none()
            return self.filter(public) if settings.PUBLIC_VIEW_ENABLED else self.none()

        own = Q(organisation_id=organisation_id)
        if actor.is_moderator:
            return self.filter(own | ~Q(status=Status.DRAFT))
        is_recipient = Exists(
            self.model.recipients.through.objects.filter(
                casestudy_id=OuterRef("pk"), organisation_id=organisation_id
            )
        )
        shared = Q(status=Status.PUBLISHED) & (
            Q(tlp__in=[TLP.CLEAR, TLP.GREEN])
            | (Q(tlp__in=self.model.RESTRICTED_TLPS) & is_recipient)
        )
        return self.filter(own | shared)

    def discoverable_by(self, actor) -> CaseStudyQuerySet:
        """The cases whose *stub* this actor may see, to ask for access: published TLP:AMBER
        cases that their originator marked discoverable, which the actor may not read already
        (not its own organisation's, not a recipient's, not a moderator's).

        This is not a second reading rule. A stub reveals only the title, DISARM Red
        techniques, region and incident year of the case, and its organisation only when the
        case is named; ``practices.hub.access_selectors.stub_list`` loads nothing else. These
        cases are by construction outside ``visible_to(actor)``, so search, facets, counts,
        the matrix, insights, the API and the feed (all built from ``visible_to``) never show
        them. Members of an active organisation only: visitors, deactivated people and people
        of inactive organisations see no stub at all.
        """
        Status, TLP = self.model.Status, self.model.TLP
        organisation_id = _actor_organisation_id(actor)
        if organisation_id is None:
            return self.none()
        readable = self.model.objects.visible_to(actor).filter(pk=OuterRef("pk"))
        return (
            self.filter(status=Status.PUBLISHED, tlp=TLP.AMBER, discoverable=True)
            .exclude(organisation_id=organisation_id)
            .exclude(Exists(readable))
        )

    def tlps_published_to(self, actor) -> frozenset[str]:
        """The TLPs whose *every* published case ``visible_to(actor)`` returns, whoever wrote it.

        Written next to ``visible_to`` and from the same rule, for counts that come from an
        aggregate shared by many readers (the browse facets): the published cases of these TLPs
        are counted from the aggregate, every other visible case live. A test checks, for each
        kind of actor, that these TLPs' published cases are all in ``visible_to(actor)``.
        """
        TLP = self.model.TLP
        organisation_id = _actor_organisation_id(actor)
        if organisation_id is None:
            is_active_person = actor is None or not actor.is_authenticated or actor.is_active
            public = settings.PUBLIC_VIEW_ENABLED and is_active_person
            return frozenset({TLP.CLEAR}) if public else frozenset()
        if actor.is_moderator:
            return frozenset(TLP.values)
        return frozenset({TLP.CLEAR, TLP.GREEN})

    def tlps_alone_visible_to(self, actor) -> frozenset[str]:
        """The TLPs of the published cases that are *all* ``visible_to(actor)`` returns (a
        visitor's CLEAR), or none when it returns others too (a member's own organisation's
        and recipient cases, whatever their TLP). A search may then read only these TLPs'
        entries from its index (``practices.discovery.search``); it still checks each case."""
        if _actor_organisation_id(actor) is not None:
            return frozenset()
        return self.tlps_published_to(actor)

    def with_originator_for(self, actor) -> CaseStudyQuerySet:
        """Annotate ``originator_visible``: may this actor learn who submitted each case?

        Anonymised cases hide their organisation from everyone but that organisation and the
        moderators; they show "a partner organisation" and its region instead.
        """
        organisation_id = _actor_organisation_id(actor)
        if organisation_id is not None and actor.is_moderator:
            return self.annotate(originator_visible=Value(True, output_field=BooleanField()))
        conditions = Q(attribution_mode=self.model.AttributionMode.NAMED)
        if organisation_id is not None:
            conditions |= Q(organisation_id=organisation_id)
        return self.annotate(
            originator_visible=Case(
                When(conditions, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def for_reader(self, actor) -> CaseStudyQuerySet:
        """Where pages start: visible cases, anonymisation decided, originator loaded."""
        return self.visible_to(actor).with_originator_for(actor).select_related("organisation")

    def tagged(self, taxonomy_slug: str, code: str | None = None) -> CaseStudyQuerySet:
        """Cases with a term of this taxonomy (and this code, if given): an EXISTS on the
        indexed through table, so chaining several never multiplies rows."""
        through = self.model.terms.through.objects.filter(
            casestudy_id=OuterRef("pk"), term__taxonomy__slug=taxonomy_slug
        )
        if code is not None:
            through = through.filter(term__code=code)
        return self.filter(Exists(through))

    def published(self) -> CaseStudyQuerySet:
        return self.filter(status=self.model.Status.PUBLISHED)
