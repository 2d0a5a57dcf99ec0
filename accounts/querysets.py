from __future__ import annotations

from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)


class UserQuerySet(models.QuerySet):
    def active(self) -> UserQuerySet:
        """People who can sign in: active themselves and in an active organisation."""
        return self.filter(is_active=True, organisation__is_active=True)

    def moderators(self) -> UserQuerySet:
        return self.active().filter(is_moderator=True)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Creates people by e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Invitations that can still be accepted."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
