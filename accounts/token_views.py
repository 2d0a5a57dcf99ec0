"""API token pages for organisation admins: list, issue (secret shown once) and revoke.

Tokens are always looked up within the admin's own organisation, so another organisation's
token answers 404 like a token that does not exist. The full secret is rendered straight into
the response that issued it: it is never put in the session, a message or a redirect, and no
later page can show it again.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.exceptions import AccountsError
from accounts.models import ApiToken, User
from accounts.permissions import org_admin_required

DEFAULT_DAYS = 90


class ApiTokenForm(forms.Form):
    """What an admin chooses when issuing a token; the limits are the service's."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say what will use it, e.g. “Nightly sync to our analysis platform”."),
    )
    write = forms.BooleanField(
        label=_("Write scope"),
        required=False,
        help_text=_("Lets the token create, edit and submit drafts. Leave unticked for reading."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=366,
        initial=DEFAULT_DAYS,
        help_text=_("From 1 to 366 days."),
    )


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``: revocation wins over expiry."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or timezone.now()):
        return "expired"
    return "active"


def _organisation_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organisation_id=user.organisation_id).select_related(
        "created_by"
    )


def _list_response(request: HttpRequest, form: ApiTokenForm, *, status: int = 200) -> HttpResponse:
    now = timezone.now()
    rows = [(token, token_status(token, now)) for token in _organisation_tokens(request.user)]
    return render(
        request,
        "accounts/tokens.html",
        {"organisation": request.user.organisation, "rows": rows, "form": form},
        status=status,
    )


@org_admin_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The organisation's tokens with their scopes and status, and the form to issue one."""
    return _list_response(request, ApiTokenForm(initial={"days": DEFAULT_DAYS}))


@never_cache  # the response carries the secret: no browser or proxy may keep a copy
@require_http_methods(["GET", "POST"])
@org_admin_required
def token_create(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its full value in this one response only.

    A GET (the back button after issuing, a bookmark, a reload) cannot show a secret again:
    it leads to the form with a word on why.
    """
    if request.method == "GET":
        messages.info(
            request,
            gettext(
                "A token's value is shown only once, right after it is issued. To get a new "
                "one, fill in “Issue a token” below; revoke any token whose value was lost."
            ),
        )
        return redirect(f"{reverse('accounts:tokens')}#new-token-title")
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _list_response(request, form, status=400)
    try:
        token, plaintext = services.api_token_create(
            actor=request.user,
            organisation=request.user.organisation,
            name=form.cleaned_data["name"],
            write=form.cleaned_data["write"],
            expires_in_days=form.cleaned_data["days"],
        )
    except AccountsError as exc:
        form.add_error(None, str(exc))
        return _list_response(request, form, status=400)
    return render(request, "accounts/tokens_created.html", {"token": token, "plaintext": plaintext})


@require_POST
@org_admin_required
def token_revoke(request: HttpRequest, uuid) -> HttpResponse:
    """Revoke one of the organisation's tokens; requests with it fail from now on."""
    token = get_object_or_404(_organisation_tokens(request.user), uuid=uuid)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, gettext("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
