"""Authentication backends: who may hold a session at all.

Django's backends refuse a deactivated person both at sign-in (``authenticate``) and on every
later request (``get_user``), both through ``user_can_authenticate``. Ours add the other half of
the rule ``visible_to`` applies: people of an inactive organisation are refused the same way, so
deactivating an organisation also ends its people's open sessions.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def user_may_sign_in(user) -> bool:
    """Active, and either an operator outside any organisation or of an active organisation."""
    if not getattr(user, "is_active", False):
        return False
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return bool(getattr(user, "is_superuser", False))
    return organisation.is_active


class _OrganisationAware:
    def user_can_authenticate(self, user) -> bool:
        return user_may_sign_in(user)

    def get_user(self, user_id):
        # The organisation is read on every request; load it with the person in one query.
        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class PortalModelBackend(_OrganisationAware, ModelBackend):
    """Django's password backend (the admin's and tests' ``force_login``) with the rule above."""


class PortalAuthenticationBackend(_OrganisationAware, AllauthBackend):
    """allauth's e-mail backend with the rule above."""
