"""What each person finds on the home page after signing in, by role.

- every member: their drafts, their organisation's cases returned for changes, recent
  published cases of other organisations shared with them (recipient ones marked) and their
  saved searches;
- moderators: what waits in the review queue and what they hold;
- organisation admins: pending access requests for their organisation's cases, people and
  invitations, API token and webhook health.

Every case listed or counted comes from ``visible_to`` (``for_reader`` where an originator is
shown). Each panel is a fixed number of queries whatever the number of rows, so the home page
costs the same for a new member and for a busy admin.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import ApiToken, Invitation, User
from accounts.permissions import two_factor_missing
from accounts.selectors import organisation_members
from practices.cases.models import CaseStudy
from practices.cases.querysets import actor_moderates
from practices.discovery.models import SavedSearch
from practices.hub.access_selectors import access_requests_pending_for
from practices.hub.models import AccessRequest
from practices.moderation.selectors import moderation_queue
from practices.sync.models import WebhookEndpoint, WebhookEvent

PANEL_ROWS = 8
RECENT_DAYS = 90
TOKEN_EXPIRY_WARNING = datetime.timedelta(days=14)
# A pending event that has already been tried this often is failing, even before it gives up.
WEBHOOK_STRUGGLING_ATTEMPTS = 3


@dataclass
class MemberHome:
    drafts: list[CaseStudy] = field(default_factory=list)
    changes_requested: list[CaseStudy] = field(default_factory=list)
    shared: list[CaseStudy] = field(default_factory=list)
    saved_searches: list[SavedSearch] = field(default_factory=list)


@dataclass
class ModeratorHome:
    waiting: int = 0
    unclaimed: int = 0
    my_claims: list[dict] = field(default_factory=list)


@dataclass
class AdminHome:
    active_members: int = 0
    pending_invitations: int = 0
    tokens_expiring: list[ApiToken] = field(default_factory=list)
    tokens_unused: list[ApiToken] = field(default_factory=list)
    failing_endpoints: list[WebhookEndpoint] = field(default_factory=list)


def member_home(*, actor: User) -> MemberHome:
    """A member's own work and what was recently shared with their organisation (4 queries)."""
    visible = CaseStudy.objects.visible_to(actor)
    own = visible.filter(organisation_id=actor.organisation_id)
    drafts = own.filter(status=CaseStudy.Status.DRAFT, created_by=actor).order_by(
        "-updated_at", "-pk"
    )
    returned = own.filter(status=CaseStudy.Status.CHANGES_REQUESTED).order_by("-updated_at", "-pk")
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    is_recipient = Exists(
        CaseStudy.recipients.through.objects.filter(
            casestudy_id=OuterRef("pk"), organisation_id=actor.organisation_id
        )
    )
    shared = (
        CaseStudy.objects.for_reader(actor)
        .filter(status=CaseStudy.Status.PUBLISHED, published_at__gte=since)
        .exclude(organisation_id=actor.organisation_id)
        .annotate(is_recipient=is_recipient)
        .order_by("-published_at", "-pk")
    )
    return MemberHome(
        drafts=list(drafts[:PANEL_ROWS]),
        changes_requested=list(returned[:PANEL_ROWS]),
        shared=list(shared[:PANEL_ROWS]),
        saved_searches=list(SavedSearch.objects.filter(owner=actor)[:PANEL_ROWS]),
    )


def moderator_home(*, actor: User) -> ModeratorHome:
    """How much waits for review and what this moderator holds (the queue's 2 queries)."""
    if not actor_moderates(actor):
        return ModeratorHome()
    items = moderation_queue(actor=actor, filters={})
    return ModeratorHome(
        waiting=len(items),
        unclaimed=sum(1 for item in items if item["case"].claimed_by_id is None),
        my_claims=[item for item in items if item["case"].claimed_by_id == actor.pk],
    )


def admin_home(*, actor: User) -> AdminHome:
    """People, invitations, API tokens and webhooks of the admin's organisation (5 queries)."""
    if not actor.is_org_admin or actor.organisation_id is None:
        return AdminHome()
    now = timezone.now()
    tokens = ApiToken.objects.filter(
        organisation_id=actor.organisation_id, revoked_at__isnull=True, expires_at__gt=now
    ).order_by("expires_at", "pk")
    endpoints = (
        WebhookEndpoint.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .annotate(
            failed_events=Count("events", filter=Q(events__status=WebhookEvent.Status.FAILED)),
            struggling_events=Count(
                "events",
                filter=Q(
                    events__status=WebhookEvent.Status.PENDING,
                    events__attempts__gte=WEBHOOK_STRUGGLING_ATTEMPTS,
                ),
            ),
        )
        .filter(Q(failed_events__gt=0) | Q(struggling_events__gt=0))
        .order_by("url", "pk")
    )
    return AdminHome(
        active_members=organisation_members(actor=actor).filter(is_active=True).count(),
        pending_invitations=Invitation.objects.filter(
            organisation_id=actor.organisation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).count(),
        tokens_expiring=list(
            tokens.filter(expires_at__lte=now + TOKEN_EXPIRY_WARNING)[:PANEL_ROWS]
        ),
        tokens_unused=list(tokens.filter(last_used_at__isnull=True)[:PANEL_ROWS]),
        failing_endpoints=list(endpoints[:PANEL_ROWS]),
    )


def access_requests_pending(*, actor: User) -> list[AccessRequest]:
    """Access requests waiting for the admin's organisation (the hub's selector: requests for
    its own cases, which its admins read in full), oldest first; one query."""
    if not actor.is_org_admin or actor.organisation_id is None:
        return []
    return list(access_requests_pending_for(organisation=actor.organisation)[:PANEL_ROWS])


def home_context(*, actor: User) -> dict:
    """Everything the signed-in home page shows this person, by role."""
    if not actor.is_authenticated or actor.organisation_id is None:
        return {}
    context: dict = {"member_home": member_home(actor=actor)}
    if two_factor_missing(actor):
        # The moderator's and admin's panels show what their pages show (claimed titles,
        # access requests, tokens, webhook addresses), and those pages need two-factor first.
        context["two_factor_needed"] = True
        return context
    if actor_moderates(actor):
        context["moderator_home"] = moderator_home(actor=actor)
    if actor.is_org_admin:
        context["admin_home"] = admin_home(actor=actor)
        context["access_requests_pending"] = access_requests_pending(actor=actor)
    return context
