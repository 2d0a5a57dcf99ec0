from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from accounts.permissions import two_factor_missing


class AccountAdapter(DefaultAccountAdapter):
    """Invitation-only accounts; privileged people are sent to two-factor enrolment."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join only through an organisation admin's invitation.
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if two_factor_missing(request.user):
            messages.warning(
                request,
                "Your role requires two-factor authentication. "
                "Set up an authenticator app to continue.",
            )
            return reverse("mfa_activate_totp")
        return super().get_login_redirect_url(request)
