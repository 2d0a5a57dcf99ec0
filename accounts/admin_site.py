"""The operator admin behind the portal's own sign-in and two-factor.

Django's admin has its own password-only login form, which would be a way around two-factor.
Here its login page hands over to the portal's sign-in (allauth, which asks for the second
factor of anyone enrolled), and the admin opens only to staff who have TOTP enrolled; staff
without it are sent to enrolment, as moderators and organisation admins are on their pages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.permissions import two_factor_missing


class PortalAdminSite(admin.AdminSite):
    site_header = _("Practice Exchange operator admin")
    site_title = _("Practice Exchange admin")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not two_factor_missing(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Where the admin sends anyone it does not let in."""
        next_url = request.GET.get("next") or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("account_login"))
        if not (user.is_active and user.is_staff):
            # Signed in, but not an operator: like every privileged page, nothing to see here.
            raise Http404
        if two_factor_missing(user):
            messages.warning(
                request,
                gettext(
                    "The operator admin needs two-factor authentication. Set up an "
                    "authenticator app, then open the admin again."
                ),
            )
            return redirect("mfa_activate_totp")
        return redirect(next_url)
