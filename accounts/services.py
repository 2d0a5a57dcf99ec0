"""Every write about organisations, people and invitations."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.backends import user_may_sign_in
from accounts.exceptions import AccountsError, InvitationInvalid
from accounts.languages import in_language_of
from accounts.models import ApiToken, Invitation, Organisation, User
from outbox.services import email_cancel, email_queue
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between

Action = AuditEvent.Action


def _changes(pairs: dict[str, tuple | list]) -> dict:
    """``{field: [before, after]}`` for the audit trail: JSON-safe, unchanged fields dropped."""
    return changes_between(
        {field: before for field, (before, _) in pairs.items()},
        {field: after for field, (_, after) in pairs.items()},
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_org_admin(actor: User, organisation: Organisation) -> None:
    # Callers look records up within the actor's organisation, so this only fires on misuse;
    # it is the last line of defence, not the way outsiders are turned away (they get 404).
    # user_may_sign_in: the rule of the sign-in backends and of visible_to (an admin of an
    # inactive organisation, or a deactivated one, administers nothing).
    if not (
        user_may_sign_in(actor) and actor.is_org_admin and actor.organisation_id == organisation.pk
    ):
        raise PermissionDenied(_("Only an admin of this organisation may do this."))


@transaction.atomic
def organisation_create(
    *,
    name: str,
    short_name: str,
    partner_group: str,
    country: str = "",
    kind: str = Organisation.Kind.GOVERNMENT,
    slug: str = "",
    region: str = "",
    is_demo: bool = False,
) -> Organisation:
    """Create an organisation (operators only: there is no self-service).

    Without a region, AP4 partners are placed in the Indo-Pacific and the rest in the
    Euro-Atlantic; the region stands in for the name on anonymised cases.
    """
    if not region:
        region = (
            Organisation.Region.INDO_PACIFIC
            if partner_group == Organisation.PartnerGroup.AP4_PARTNER
            else Organisation.Region.EURO_ATLANTIC
        )
    organisation = Organisation(
        name=name,
        short_name=short_name,
        slug=slug or slugify(short_name or name),
        country=country,
        kind=kind,
        partner_group=partner_group,
        region=region,
        is_demo=is_demo,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def person_create(
    *,
    organisation: Organisation,
    email: str,
    password: str | None,
    role: str = User.Role.MEMBER,
    full_name: str = "",
    is_moderator: bool = False,
    is_demo: bool = False,
    language: str = "",
) -> User:
    """Add a person directly (operator command and demo data); invitations are the normal way."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError(_("%(email)s already has an account.") % {"email": email})
    user = User(
        email=email,
        organisation=organisation,
        role=role,
        full_name=full_name,
        is_moderator=is_moderator,
        is_demo=is_demo,
        language=language,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation-accept", args=[token])


def _invitation_reference(invitation: Invitation) -> str:
    return f"invitation:{invitation.pk}"


def invitation_email_queue(*, invitation: Invitation, link: str) -> None:
    """Render the invitation mail and store it in the e-mail outbox, in the current
    transaction (sent after commit). The link's secret is in the body, which the outbox
    keeps only until the message is sent."""
    context = {
        "invitation": invitation,
        "link": link,
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    # In the language the inviter chose for it (the invitee has no preference yet), whatever
    # the language of the page or worker that queues it.
    with in_language_of(invitation):
        subject = _("[Practice Exchange] Invitation to join %(organisation)s") % {
            "organisation": invitation.organisation.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
        html_body = render_to_string("accounts/email/invitation.html", context)
    email_queue(
        to=[invitation.email],
        subject=subject,
        body=body,
        html_body=html_body,
        reference=_invitation_reference(invitation),
    )


def _invitation_language(language: str, actor: User | None) -> str:
    """The invitation's language: the one chosen, else the inviter's, else the page's."""
    available = dict(settings.LANGUAGES)
    for candidate in (language, getattr(actor, "language", ""), get_language() or ""):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def _invitation_send(invitation: Invitation, token: str) -> None:
    # A link sent earlier and not yet out is dead now (new secret, or revoked): drop it.
    email_cancel(reference=_invitation_reference(invitation))
    invitation_email_queue(invitation=invitation, link=invitation_link(token))


@transaction.atomic
def invitation_create(
    *,
    actor: User | None,
    organisation: Organisation,
    email: str,
    role: str = User.Role.MEMBER,
    language: str = "",
) -> tuple[Invitation, str]:
    """Invite an e-mail address into an organisation and e-mail the link.

    Rules: only an admin of the organisation (or an operator, actor=None) invites; a person
    belongs to one organisation, so an address that has an account cannot be invited; a new
    invitation to the same address replaces the pending one. Returns the invitation and the
    link's secret, which is stored only as a hash.

    ``language`` is the one the mail is written in and the new person's first preference;
    blank: the inviter's preference, else the language of the page they invite from.
    """
    if actor is not None:
        _require_org_admin(actor, organisation)
    if not organisation.is_active:
        raise AccountsError(_("This organisation is inactive; nobody can be invited into it."))
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountsError(
            _("This address already has an account. A person belongs to one organisation only.")
        )
    if role not in User.Role.values:
        raise AccountsError(_("Choose a valid role."))
    language = _invitation_language(language, actor)
    now = timezone.now()
    organisation.invitations.pending().filter(email__iexact=email).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=actor,
        language=language,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    _invitation_send(invitation, token)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=invitation,
        organisation=organisation,
        changes=_changes({"email": [None, email], "role": [None, role]}),
    )
    return invitation, token


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> str:
    """Send a pending or expired invitation again with a fresh link and a fresh expiry.

    The old link stops working: the secret is replaced.
    """
    _require_org_admin(actor, invitation.organisation)
    if invitation.accepted_at or invitation.revoked_at:
        raise AccountsError(_("This invitation was already accepted or revoked."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    previous_expiry = invitation.expires_at
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _invitation_send(invitation, token)
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        obj=invitation,
        organisation=invitation.organisation,
        changes=_changes(
            {"expires_at": [previous_expiry, invitation.expires_at], "resent": [None, True]}
        ),
    )
    return token


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Revoke an invitation that has not been accepted; its link stops working."""
    _require_org_admin(actor, invitation.organisation)
    if invitation.accepted_at:
        raise AccountsError(_("This invitation was already accepted."))
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=invitation,
            organisation=invitation.organisation,
            changes=_changes({"revoked_at": [None, invitation.revoked_at]}),
        )
        email_cancel(reference=_invitation_reference(invitation))
    return invitation


def invitation_get_pending(*, token: str) -> Invitation:
    """Find the invitation a link points at, or say plainly why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationInvalid(
            _("This invitation link is not valid. Check that it was copied whole.")
        )
    if invitation.accepted_at:
        raise InvitationInvalid(_("This invitation has already been used. Sign in instead."))
    if invitation.revoked_at:
        raise InvitationInvalid(_("This invitation was withdrawn by the organisation's admin."))
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            _("This invitation has expired. Ask your organisation's admin to send a new one.")
        )
    if not invitation.organisation.is_active:
        raise InvitationInvalid(_("This organisation is no longer active on the portal."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Turn a valid invitation into an account with the chosen password, exactly once.

    The row is locked so two simultaneous acceptances of one link create one account.
    """
    invitation = invitation_get_pending(token=token)
    invitation = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if invitation is None:  # deleted (with its organisation) while we waited for the lock
        raise InvitationInvalid(_("This invitation no longer exists. Ask for a new one."))
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationInvalid(_("This invitation has already been used. Sign in instead."))
    user = person_create(
        organisation=invitation.organisation,
        email=invitation.email,
        password=password,
        role=invitation.role,
        full_name=full_name,
        language=invitation.language,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        actor=user,
        action=Action.UPDATE,
        obj=invitation,
        organisation=invitation.organisation,
        changes=_changes({"accepted_at": [None, invitation.accepted_at]}),
    )
    audit_record(
        actor=user,
        action=Action.CREATE,
        obj=user,
        organisation=invitation.organisation,
        changes=_changes({"email": [None, user.email], "role": [None, user.role]}),
    )
    return user


def _admins_left(organisation: Organisation, *, without: User) -> int:
    return (
        organisation.people.filter(is_active=True, role=User.Role.ADMIN)
        .exclude(pk=without.pk)
        .count()
    )


@transaction.atomic
def member_set_role(*, actor: User, member: User, role: str) -> User:
    """Change a member's role within the organisation; an organisation keeps one admin."""
    _require_org_admin(actor, member.organisation)
    if role not in User.Role.values:
        raise AccountsError(_("Choose a valid role."))
    # Lock the organisation so two admins demoting each other cannot leave it with none.
    # 404 if the organisation was deleted meanwhile, as for any missing record.
    get_object_or_404(Organisation.objects.select_for_update(), pk=member.organisation_id)
    demoting_admin = member.role == User.Role.ADMIN and role != User.Role.ADMIN
    if demoting_admin and _admins_left(member.organisation, without=member) == 0:
        raise AccountsError(_("An organisation needs at least one active admin."))
    if member.role != role:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=member,
            organisation=member.organisation,
            changes=_changes({"role": [member.role, role]}),
        )
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def member_deactivate(*, actor: User, member: User) -> User:
    """Deactivate a member: they can no longer sign in; their work stays."""
    _require_org_admin(actor, member.organisation)
    if member.pk == actor.pk:
        raise AccountsError(_("You cannot deactivate yourself. Ask another admin."))
    # 404 if the organisation was deleted meanwhile, as for any missing record.
    get_object_or_404(Organisation.objects.select_for_update(), pk=member.organisation_id)
    if member.role == User.Role.ADMIN and _admins_left(member.organisation, without=member) == 0:
        raise AccountsError(_("An organisation needs at least one active admin."))
    if member.is_active:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=member,
            organisation=member.organisation,
            changes=_changes({"is_active": [True, False]}),
        )
    member.is_active = False
    member.save(update_fields=["is_active"])
    return member


@transaction.atomic
def member_reactivate(*, actor: User, member: User) -> User:
    """Let a deactivated member sign in again."""
    _require_org_admin(actor, member.organisation)
    if not member.is_active:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=member,
            organisation=member.organisation,
            changes=_changes({"is_active": [False, True]}),
        )
    member.is_active = True
    member.save(update_fields=["is_active"])
    return member


@transaction.atomic
def moderator_set(*, user: User, is_moderator: bool, actor: User | None = None) -> User:
    """Grant or revoke the global moderator role (operator command: no actor)."""
    if user.is_moderator != is_moderator:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=user,
            organisation=user.organisation,
            changes=_changes({"is_moderator": [user.is_moderator, is_moderator]}),
        )
    user.is_moderator = is_moderator
    user.save(update_fields=["is_moderator"])
    return user


TOKEN_PREFIX = "cdpe"  # noqa: S105 - the public label in front of every token


def api_token_hash(secret: str) -> str:
    """Keyed hash of a token secret: a leaked table cannot be checked offline without the key."""
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    actor: User | None,
    organisation: Organisation,
    name: str,
    write: bool = False,
    expires_in_days: int = 90,
) -> tuple[ApiToken, str]:
    """Issue a token for an organisation; returns it with the full secret, shown only once.

    Only the organisation's admins (or an operator, actor=None) issue tokens.
    """
    if actor is not None:
        _require_org_admin(actor, organisation)
    if not name.strip():
        raise AccountsError(_("Give the token a name that says what uses it."))
    if not 1 <= expires_in_days <= 366:
        raise AccountsError(_("A token expires after 1 to 366 days."))
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name.strip(),
        prefix=prefix,
        key_hash=api_token_hash(secret),
        write_enabled=write,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
        created_by=actor,
    )
    # Only what identifies the token: never its secret.
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=token,
        organisation=organisation,
        changes=_changes(
            {
                "name": [None, token.name],
                "prefix": [None, prefix],
                "scopes": [None, token.scopes],
                "expires_at": [None, token.expires_at],
            }
        ),
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token at once; requests with it get 401 from then on."""
    if actor is not None:
        _require_org_admin(actor, token.organisation)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            obj=token,
            organisation=token.organisation,
            changes=_changes({"revoked_at": [None, token.revoked_at]}),
        )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token a presented string belongs to, or None (unknown, revoked, expired,
    inactive organisation, malformed — all the same to the caller)."""
    try:
        label, prefix, secret = raw.split("_", 2)
    except ValueError:
        return None
    if label != TOKEN_PREFIX or not re.fullmatch(r"[0-9a-f]{12}", prefix):
        # Not one ``api_token_create`` hands out (``token_hex(6)``): no query for it, so that
        # whatever bytes a header carries (a NUL, which PostgreSQL refuses) never reach one.
        return None
    token = ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, api_token_hash(secret)):
        return None
    if not token.is_usable:
        return None
    now = timezone.now()
    # Write last-used at most once a minute: a busy client must not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
