"""Pages of access requests: the stubs one may ask for, asking, the requests of each side,
and the originating organisation admins' decision.

A stub page answers 404 for any case not in ``discoverable_by(actor)`` — missing, not
discoverable, unpublished, AMBER+STRICT alike — so it tells nobody more than before. A case
the reader may already read sends them to the case itself (nothing new is revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import member_required, org_admin_required, two_factor_missing
from practices.cases.models import CaseStudy
from practices.exceptions import AccessRequestRefused
from practices.hub import access, access_selectors
from practices.hub.access_forms import AccessDecisionForm, AccessRequestForm
from practices.hub.models import AccessRequest

PAGE_SIZE = 20


class _CountedStubs:
    """The stub list as a Paginator wants it: counted and sliced in the database."""

    def __init__(self, actor):
        self.actor = actor

    def count(self) -> int:
        return access_selectors.stub_count(actor=self.actor)

    def __getitem__(self, item: slice):
        return access_selectors.stub_list(
            actor=self.actor, offset=item.start or 0, limit=item.stop - (item.start or 0)
        )


@member_required
def stub_list(request: HttpRequest) -> HttpResponse:
    """Cases you can ask for: stubs of discoverable AMBER cases your organisation cannot read."""
    page = Paginator(_CountedStubs(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/hub/access_stub_list.html", {"page": page})


@member_required
def stub_detail(request: HttpRequest, uuid) -> HttpResponse:
    """One stub and the form to ask for access."""
    if CaseStudy.objects.visible_to(request.user).filter(uuid=uuid).exists():
        return redirect("practices:case-detail", uuid=uuid)
    stub = access_selectors.stub_get(actor=request.user, uuid=uuid)  # 404 unless offered
    form = AccessRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            case_study = CaseStudy.objects.get(uuid=uuid)
            try:
                access_request = access.access_request_create(
                    actor=request.user, case_study=case_study, reason=form.cleaned_data["reason"]
                )
            except AccessRequestRefused as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Your request was sent to the originating organisation's admins. "
                        "You will be told of their answer by e-mail."
                    ),
                )
                return redirect("practices:access-request-detail", uuid=access_request.uuid)
        else:
            status = 400
    return render(
        request,
        "practices/hub/access_stub_detail.html",
        {"stub": stub, "form": form},
        status=status,
    )


@member_required
def requests_ours(request: HttpRequest) -> HttpResponse:
    """The requests our organisation made, and their status."""
    page = Paginator(access_selectors.access_requests_by(actor=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "practices/hub/access_requests_ours.html", {"page": page})


@org_admin_required
def requests_incoming(request: HttpRequest) -> HttpResponse:
    """For the originating organisation's admins: requests waiting for a decision."""
    organisation = request.user.organisation
    return render(
        request,
        "practices/hub/access_requests_incoming.html",
        {
            "pending": access_selectors.access_requests_pending_for(organisation=organisation),
            "decided": access_selectors.access_requests_decided_for(organisation=organisation),
        },
    )


@member_required
def request_detail(request: HttpRequest, uuid) -> HttpResponse:
    """One request, as its side sees it: the requester (status, withdraw) or the originating
    organisation's admins (reason, grant or decline)."""
    access_request = access_selectors.access_request_get(actor=request.user, uuid=uuid)
    if access_request.side == "originator" and two_factor_missing(request.user):
        # The deciding side is an admin's, and admins' pages need two-factor.
        messages.warning(request, _("Set up two-factor authentication first."))
        return redirect("mfa_activate_totp")
    return _detail_page(request, access_request, AccessDecisionForm())


def _detail_page(request, access_request: AccessRequest, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "practices/hub/access_request_detail.html",
        {
            "req": access_request,
            "case": access_request.case_study,
            "form": form,
            "can_decide": access_request.side == "originator"
            and access.may_decide(request.user, access_request)
            and access_request.is_pending,
            "can_withdraw": access_request.side == "requester" and access_request.is_pending,
        },
        status=status,
    )


@require_POST
@org_admin_required
def request_decide(request: HttpRequest, uuid) -> HttpResponse:
    access_request = access_selectors.access_request_get(actor=request.user, uuid=uuid)
    if access_request.side != "originator":
        raise Http404
    form = AccessDecisionForm(request.POST)
    decision = request.POST.get("decision")
    if decision not in ("grant", "decline") or not form.is_valid():
        if decision not in ("grant", "decline"):
            form.add_error(None, _("Choose whether to grant or decline the request."))
        return _detail_page(request, access_request, form, status=400)
    service = access.access_request_grant if decision == "grant" else access.access_request_decline
    try:
        service(actor=request.user, access_request=access_request, note=form.cleaned_data["note"])
    except PermissionDenied:
        raise Http404 from None
    except AccessRequestRefused as exc:
        messages.error(request, str(exc))
        return redirect("practices:access-request-detail", uuid=uuid)
    if decision == "grant":
        done = _("Granted: %(organisation)s is now a recipient of the case and was told.")
    else:
        done = _("Declined: %(organisation)s was told, with your note.")
    messages.success(request, done % {"organisation": access_request.organisation.name})
    return redirect("practices:access-requests-incoming")


@require_POST
@member_required
def request_withdraw(request: HttpRequest, uuid) -> HttpResponse:
    access_request = access_selectors.access_request_get(actor=request.user, uuid=uuid)
    if access_request.side != "requester":
        raise Http404
    try:
        access.access_request_withdraw(actor=request.user, access_request=access_request)
    except AccessRequestRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("practices:access-request-detail", uuid=uuid)
