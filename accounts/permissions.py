"""Role checks for pages. Which records someone may see is decided by querysets, not here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def two_factor_missing(user) -> bool:
    """True when the person's role requires two-factor authentication and they have none."""
    return (
        user.is_authenticated and user.needs_two_factor and not is_mfa_enabled(user, types=["totp"])
    )


def _privileged(check: Callable[[object], bool]):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not check(request.user):
                # Same answer as for a page that does not exist: no hint of what is behind it.
                raise Http404
            if two_factor_missing(request.user):
                messages.warning(
                    request,
                    _(
                        "This page needs two-factor authentication. "
                        "Set up an authenticator app first."
                    ),
                )
                return redirect("mfa_activate_totp")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


org_admin_required = _privileged(lambda user: user.is_org_admin)
moderator_required = _privileged(lambda user: user.is_moderator)


def member_required(view):
    """A signed-in person who belongs to an organisation."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.organisation_id is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def two_factor_enforced(view):
    """Signed in; and if the person's role requires two-factor, enrolled in it."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if two_factor_missing(request.user):
            messages.warning(request, _("Set up two-factor authentication first."))
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper
