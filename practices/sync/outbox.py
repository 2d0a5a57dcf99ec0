"""The webhook outbox: each change's events, written in the change's transaction.

See ``practices.sync.webhooks`` for what is sent and how it is signed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from rest_framework import serializers

from accounts.authentication import OrganisationActor
from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.cases.rendering import Links, case_render, relations_load, shows_recipients
from practices.sync.models import CaseChange, WebhookEndpoint, WebhookEvent
from practices.sync.tasks import webhook_events_enqueue

# One logger for the webhook machinery, named as before the move into rooms (alerts use it).
logger = logging.getLogger("practices.webhooks")

EventType = WebhookEndpoint.EventType

# --- The outbox ---------------------------------------------------------------------------


def _case_as_seen(change: CaseChange, organisations: dict[int, Organisation]) -> CaseStudy | None:
    """The changed case, loaded once, annotated per organisation with ``readable_<id>`` and
    ``named_<id>`` (``visible_to`` and ``with_originator_for``, one query for all of them)."""
    if change.case_study_id is None:
        return None
    annotations = {}
    for organisation_id, organisation in organisations.items():
        actor = OrganisationActor(organisation)
        annotations[f"readable_{organisation_id}"] = Exists(
            CaseStudy.objects.visible_to(actor).filter(pk=OuterRef("pk"))
        )
        annotations[f"named_{organisation_id}"] = Exists(
            CaseStudy.objects.with_originator_for(actor).filter(
                pk=OuterRef("pk"), originator_visible=True
            )
        )
    # Its relations are loaded once by rendering.relations_load, for every organisation.
    return (
        CaseStudy.objects.select_related("organisation")
        .annotate(**annotations)
        .filter(pk=change.case_study_id)
        .first()
    )


@dataclass(frozen=True)
class _Before:
    """Who could read the case at its previous feed entry (its audience snapshot)."""

    published: bool
    public: bool
    originator_id: int | None
    audience: frozenset[int]

    def readable_by(self, organisation_id: int) -> bool:
        return (
            self.public or self.originator_id == organisation_id or organisation_id in self.audience
        )


def _before(change: CaseChange) -> _Before:
    previous = (
        CaseChange.objects.filter(case_uuid=change.case_uuid, seq__lt=change.seq)
        .order_by("-seq")
        .values("pk", "status", "public_to_all", "organisation_id")
        .first()
    )
    if previous is None:
        return _Before(published=False, public=False, originator_id=None, audience=frozenset())
    published = previous["status"] == CaseStudy.Status.PUBLISHED
    audience: frozenset[int] = frozenset()
    if published and not previous["public_to_all"]:
        audience = frozenset(
            CaseChange.audience.through.objects.filter(casechange_id=previous["pk"]).values_list(
                "organisation_id", flat=True
            )
        )
    return _Before(
        published=published,
        public=previous["public_to_all"],
        originator_id=previous["organisation_id"],
        audience=audience,
    )


def _event_type(case: CaseStudy | None, before: _Before, organisation_id: int) -> str | None:
    if case is not None and getattr(case, f"readable_{organisation_id}"):
        was_published_to_them = before.published and before.readable_by(organisation_id)
        if case.status == CaseStudy.Status.PUBLISHED and not was_published_to_them:
            return EventType.CASE_PUBLISHED
        return EventType.CASE_UPDATED
    if before.readable_by(organisation_id):
        return EventType.CASE_REMOVED
    return None


def outbox_record(change: CaseChange) -> list[WebhookEvent]:
    """Write this change's webhook events, one per interested endpoint, in the change's transaction.

    Per active endpoint (of an active organisation), from what its organisation may read now
    (``visible_to``) and could read at the case's previous feed entry (the audience snapshot):

    - readable now, published, and not readable as published before → ``case.published``
      (publication, TLP lowered, recipient added);
    - readable now otherwise → ``case.updated`` (this includes the organisation's own drafts);
    - not readable now but readable before → ``case.removed`` with only the case uuid
      (withdrawn, TLP raised, recipient removed, draft deleted);
    - never readable → nothing: no event reveals a case the organisation may not read.

    Only event types the endpoint subscribed to are written. The number of queries does not
    depend on the number of endpoints. Enqueueing happens after commit and never fails the
    change: what could not be enqueued is sent by ``webhooks_sweep``.
    """
    endpoints = list(
        WebhookEndpoint.objects.filter(is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("pk")
    )
    if not endpoints:
        return []
    organisations = {e.organisation_id: e.organisation for e in endpoints}
    case = _case_as_seen(change, organisations)
    before = _before(change)
    occurred_at = serializers.DateTimeField().to_representation(change.created_at)
    now = timezone.now()
    # Loaded once for every organisation; each gets the case as the API shows it to them.
    relations = relations_load([case.pk], recipients=True) if case is not None else None
    links = Links()
    views: dict[int, dict] = {}
    events = []
    for endpoint in endpoints:
        organisation_id = endpoint.organisation_id
        kind = _event_type(case, before, organisation_id)
        if kind is None or kind not in endpoint.event_types:
            continue
        if kind == EventType.CASE_REMOVED:
            view = {"uuid": str(change.case_uuid)}
        else:
            if organisation_id not in views:
                case.originator_visible = getattr(case, f"named_{organisation_id}")
                actor = OrganisationActor(organisations[organisation_id])
                views[organisation_id] = case_render(
                    case,
                    relations,
                    links=links,
                    show_recipients=shows_recipients(actor, case),
                    actor=actor,
                )
            view = views[organisation_id]
        event_uuid = uuid.uuid4()
        events.append(
            WebhookEvent(
                uuid=event_uuid,
                endpoint=endpoint,
                event_type=kind,
                case_uuid=change.case_uuid,
                payload={
                    "event": kind,
                    "id": str(event_uuid),
                    "occurred_at": occurred_at,
                    "seq": change.seq,
                    "case": view,
                },
                next_attempt_at=now,
            )
        )
    if events:
        WebhookEvent.objects.bulk_create(events)
        transaction.on_commit(partial(webhook_events_enqueue, [e.pk for e in events]))
    return events
