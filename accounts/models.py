"""Organisations, the people in them, and invitations to join."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from accounts.querysets import InvitationQuerySet, OrganisationQuerySet, UserManager


class Organisation(models.Model):
    """A government or partner body that shares case studies; created only by the operator."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government ministry or agency")
        MILITARY = "military", _("Armed forces or defence body")
        INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental body")
        RESEARCH = "research", _("Research or academic partner")
        OTHER = "other", pgettext_lazy("organisation kind", "Other")

    class PartnerGroup(models.TextChoices):
        NATO_ALLY = "nato_ally", _("NATO ally")
        AP4_PARTNER = "ap4_partner", _("AP4 partner")
        OTHER_PARTNER = "other_partner", _("Other partner")
        HUB = "hub", pgettext_lazy("partner group", "Hub")

    class Region(models.TextChoices):
        EURO_ATLANTIC = "euro_atlantic", _("Euro-Atlantic")
        INDO_PACIFIC = "indo_pacific", _("Indo-Pacific")
        GLOBAL = "global", _("Global")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = CountryField(
        _("country"), blank=True, help_text=_("Leave blank for intergovernmental bodies.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    partner_group = models.CharField(
        _("partner group"), max_length=20, choices=PartnerGroup.choices
    )
    region = models.CharField(
        _("region"),
        max_length=20,
        choices=Region.choices,
        default=Region.EURO_ATLANTIC,
        help_text=_("Shown in place of the name on anonymised cases."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive organisation's people and tokens cannot sign in."),
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person, signing in with their e-mail address, who belongs to exactly one organisation.

    Only operator accounts (superusers) may stand outside an organisation.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMIN = "admin", _("Organisation admin")

    username = None
    first_name = None
    last_name = None
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_moderator = models.BooleanField(
        _("moderator"),
        default=False,
        help_text=_("Hub curator: reviews submissions of every partner."),
    )
    wants_optional_email = models.BooleanField(
        _("non-essential e-mail"),
        default=True,
        help_text=_(
            "Notices such as 'your case was published' and the moderators' digest. "
            "Mail that needs you to act is always sent."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The portal's pages and the e-mail sent to you. Blank: your browser's."),
    )
    is_demo = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(is_superuser=True),
                name="user_has_organisation_unless_operator",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ADMIN and self.organisation_id is not None

    @property
    def needs_two_factor(self) -> bool:
        """Moderators, organisation admins and operators (admin staff) must enrol in
        two-factor authentication."""
        return self.is_moderator or self.is_org_admin or self.is_staff or self.is_superuser


class Invitation(models.Model):
    """A single-use, expiring invitation for one e-mail address to join an organisation.

    Only a SHA-256 hash of the secret in the link is stored, so a database leak reveals no
    usable link.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=User.Role.choices, default=User.Role.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The language of the mail and the new person's first preference (chosen by the inviter).
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "email"])]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"


class ApiToken(models.Model):
    """A machine credential acting for one organisation, with scopes and an expiry.

    Only a keyed hash (HMAC-SHA256 with the SECRET_KEY) of the secret is stored; the full
    token is shown once. ``prefix`` is a public identifier that finds the row without a scan.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    write_enabled = models.BooleanField(
        _("write scope"), default=False, help_text=_("May create, edit and submit drafts.")
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.short_name})"

    @property
    def scopes(self) -> list[str]:
        return ["read", "write"] if self.write_enabled else ["read"]

    @property
    def is_usable(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.organisation.is_active
        )
