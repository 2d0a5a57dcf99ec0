from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.exceptions import AccountsError, InvitationInvalid
from accounts.forms import InvitationAcceptForm, InvitationForm, MemberRoleForm, PreferencesForm
from accounts.permissions import member_required, org_admin_required


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation link leads: choose a name and password, then you are signed in."""
    try:
        invitation = services.invitation_get_pending(token=token)
    except InvitationInvalid as exc:
        return render(request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=410)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except AccountsError as exc:
            return render(
                request, "accounts/invitation_invalid.html", {"reason": str(exc)}, status=410
            )
        login(request, user, backend="accounts.backends.PortalModelBackend")
        messages.success(
            request,
            _("Welcome to the Practice Exchange, %(name)s.") % {"name": user.get_short_name()},
        )
        return redirect("accounts:organisation")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@member_required
def organisation(request: HttpRequest) -> HttpResponse:
    """My organisation: its people and, for its admins, the invitations."""
    user = request.user
    context = {
        "organisation": user.organisation,
        "members": selectors.organisation_members(actor=user),
        "invitations": (
            [
                i
                for i in selectors.organisation_invitations(actor=user)
                if i.is_pending or i.status == "expired"
            ]
            if user.is_org_admin
            else []
        ),
        "invite_form": InvitationForm(initial={"language": get_language()})
        if user.is_org_admin
        else None,
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }
    return render(request, "accounts/organisation.html", context)


@org_admin_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                organisation=request.user.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data.get("language", ""),
            )
        except AccountsError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("accounts:organisation")
    return render(
        request, "accounts/invite.html", {"form": form}, status=400 if form.errors else 200
    )


@org_admin_required
def member_detail(request: HttpRequest, uuid) -> HttpResponse:
    member = selectors.organisation_member_get(actor=request.user, uuid=uuid)
    form = MemberRoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.member_set_role(
                actor=request.user, member=member, role=form.cleaned_data["role"]
            )
        except AccountsError as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": member, "role": member.get_role_display().lower()},
            )
            return redirect("accounts:organisation")
    return render(
        request,
        "accounts/member_detail.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


def _member_action(request: HttpRequest, uuid, service, done: str) -> HttpResponse:
    member = selectors.organisation_member_get(actor=request.user, uuid=uuid)
    try:
        service(actor=request.user, member=member)
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"person": member})
    return redirect("accounts:organisation")


@require_POST
@org_admin_required
def member_deactivate(request: HttpRequest, uuid) -> HttpResponse:
    return _member_action(
        request, uuid, services.member_deactivate, _("%(person)s can no longer sign in.")
    )


@require_POST
@org_admin_required
def member_reactivate(request: HttpRequest, uuid) -> HttpResponse:
    return _member_action(
        request, uuid, services.member_reactivate, _("%(person)s can sign in again.")
    )


@require_POST
@org_admin_required
def invitation_resend(request: HttpRequest, uuid) -> HttpResponse:
    invitation = selectors.organisation_invitation_get(actor=request.user, uuid=uuid)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": invitation.email}
        )
    return redirect("accounts:organisation")


@require_POST
@org_admin_required
def invitation_revoke(request: HttpRequest, uuid) -> HttpResponse:
    invitation = selectors.organisation_invitation_get(actor=request.user, uuid=uuid)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except AccountsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("accounts:organisation")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """A person's own name, language and e-mail choices."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            # The saved language applies at once, to this very message too.
            translation.activate(user.language)
        messages.success(request, _("Preferences saved."))
        return redirect("accounts:preferences")
    return render(
        request, "accounts/preferences.html", {"form": form}, status=400 if form.errors else 200
    )
