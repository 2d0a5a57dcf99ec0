from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, User


def organisation_members(*, actor: User) -> QuerySet[User]:
    """The people of the actor's own organisation; never anyone else's."""
    return User.objects.filter(organisation_id=actor.organisation_id).order_by(
        "-is_active", "full_name", "email"
    )


def organisation_member_get(*, actor: User, uuid) -> User:
    """One person of the actor's organisation, or 404 — also for people of other organisations."""
    return get_object_or_404(
        organisation_members(actor=actor).select_related("organisation"), uuid=uuid
    )


def organisation_invitations(*, actor: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation_id=actor.organisation_id).select_related(
        "invited_by"
    )


def organisation_invitation_get(*, actor: User, uuid) -> Invitation:
    return get_object_or_404(
        organisation_invitations(actor=actor).select_related("organisation"), uuid=uuid
    )
