from __future__ import annotations

from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.backends import user_may_sign_in
from accounts.languages import in_language_of
from accounts.permissions import two_factor_missing
from outbox.services import email_queue_message


class AccountAdapter(DefaultAccountAdapter):
    """Invitation-only accounts; privileged people are sent to two-factor enrolment."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join only through an organisation admin's invitation.
        return False

    def pre_login(self, request: HttpRequest, user, **kwargs):
        # allauth refuses a deactivated person here ("This account is inactive"); people of an
        # inactive organisation get exactly the same answer and no session.
        if user.is_active and not user_may_sign_in(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Password resets and the other mail allauth sends go through the e-mail outbox like
        # all our mail: a mail-server or broker outage delays them instead of failing the page.
        # Written in the recipient's language (a password reset asked for from a French page
        # still reaches a Korean-speaking person in Korean); nobody known: the page's language.
        person = context.get("user")
        if person is not None and getattr(person, "language", ""):
            with in_language_of(person):
                message = self.render_mail(template_prefix, email, context)
        else:
            message = self.render_mail(template_prefix, email, context)
        email_queue_message(message)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if two_factor_missing(request.user):
            messages.warning(
                request,
                _(
                    "Your role requires two-factor authentication. "
                    "Set up an authenticator app to continue."
                ),
            )
            return reverse("mfa_activate_totp")
        # allauth honours ``next=`` before asking here, after a password or a two-factor
        # sign-in alike; without one, moderators start at the review queue, everyone else at
        # their home page.
        if getattr(request.user, "is_moderator", False) and user_may_sign_in(request.user):
            return reverse("moderation:queue")
        return super().get_login_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A person made to enrol right after signing in should not type the password twice;
        # changing or removing an existing authenticator still asks for it.
        user = getattr(self.request, "user", None)
        if app == "allauth.mfa" and user is not None and user.is_authenticated:
            just_signed_in = user.last_login and timezone.now() - user.last_login < timedelta(
                seconds=account_settings.REAUTHENTICATION_TIMEOUT
            )
            if just_signed_in and not is_mfa_enabled(user):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)
