"""Webhook pages for organisation admins: endpoints, the secret shown once, the delivery log.

Endpoints and events are always looked up within the admin's own organisation, so another
organisation's endpoint or event answers 404 like one that does not exist. The secret is
rendered straight into the response that registered the endpoint: never put in the session, a
message or a redirect, so no later page can show it again.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import org_admin_required
from practices.sync import signing, webhooks
from practices.sync.delivery import payload_withheld
from practices.sync.exceptions import WebhookError, WebhookTargetRefused
from practices.sync.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

EventType = WebhookEndpoint.EventType
EventStatus = WebhookEvent.Status
LOG_LENGTH = 50


class WebhookEndpointForm(forms.Form):
    """What an admin chooses when registering an endpoint; the address rules are the service's."""

    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text="An https:// address on the public internet, e.g. "
        "https://hooks.example.org/practice-exchange.",
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        initial=EventType.values,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Which events to send. Each carries only what your organisation may read."),
    )


def _endpoints(user: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation_id=user.organisation_id)


def _endpoint(user: User, uuid) -> WebhookEndpoint:
    return get_object_or_404(_endpoints(user).select_related("created_by"), uuid=uuid)


def _event(user: User, uuid, event_uuid) -> WebhookEvent:
    return get_object_or_404(
        WebhookEvent.objects.select_related("endpoint").filter(
            endpoint__organisation_id=user.organisation_id, endpoint__uuid=uuid
        ),
        uuid=event_uuid,
    )


def _list_response(
    request: HttpRequest, form: WebhookEndpointForm, *, status: int = 200
) -> HttpResponse:
    endpoints = (
        _endpoints(request.user)
        .select_related("created_by")
        .annotate(
            pending=Count("events", filter=Q(events__status=EventStatus.PENDING)),
            failed=Count("events", filter=Q(events__status=EventStatus.FAILED)),
        )
    )
    return render(
        request,
        "practices/sync/list.html",
        {
            "organisation": request.user.organisation,
            "endpoints": endpoints,
            "form": form,
            "timeout": settings.WEBHOOK_TIMEOUT_SECONDS,
            "headers": {
                "event": signing.HEADER_EVENT,
                "delivery": signing.HEADER_DELIVERY,
                "timestamp": signing.HEADER_TIMESTAMP,
                "signature": signing.HEADER_SIGNATURE,
            },
        },
        status=status,
    )


@org_admin_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    """The organisation's endpoints, how deliveries are signed, and the form to register one."""
    return _list_response(request, WebhookEndpointForm())


@never_cache  # the response carries the secret: no browser or proxy may keep a copy
@require_http_methods(["GET", "POST"])
@org_admin_required
def endpoint_create(request: HttpRequest) -> HttpResponse:
    """Register an endpoint and show its signing secret in this one response only.

    A GET (back button, bookmark, reload) cannot show a secret again: it leads to the form.
    """
    if request.method == "GET":
        messages.info(
            request,
            _(
                "An endpoint's signing secret is shown only once, right after it is registered. "
                "To register an endpoint, fill in the form below."
            ),
        )
        return redirect(f"{reverse('webhooks:list')}#new-endpoint-title")
    form = WebhookEndpointForm(request.POST)
    if not form.is_valid():
        return _list_response(request, form, status=400)
    try:
        endpoint, secret = webhooks.webhook_endpoint_create(
            actor=request.user,
            url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
        )
    except WebhookTargetRefused as exc:
        form.add_error("url", str(exc))
        return _list_response(request, form, status=400)
    except WebhookError as exc:
        form.add_error("event_types", str(exc))
        return _list_response(request, form, status=400)
    return render(request, "practices/sync/created.html", {"endpoint": endpoint, "secret": secret})


@org_admin_required
def endpoint_detail(request: HttpRequest, uuid) -> HttpResponse:
    """One endpoint and its delivery log: recent events, their status and last answer."""
    endpoint = _endpoint(request.user, uuid)
    last = WebhookDelivery.objects.filter(event=OuterRef("pk")).order_by("-created_at", "-id")
    events = endpoint.events.annotate(
        last_status_code=Subquery(last.values("status_code")[:1]),
        last_error=Subquery(last.values("error")[:1]),
        last_attempt_at=Subquery(last.values("created_at")[:1]),
    ).order_by("-created_at", "-id")[:LOG_LENGTH]
    return render(
        request,
        "practices/sync/detail.html",
        {"endpoint": endpoint, "events": events, "log_length": LOG_LENGTH},
    )


@org_admin_required
def event_detail(request: HttpRequest, uuid, event_uuid) -> HttpResponse:
    """Every attempt to deliver one event, and the payload it carries."""
    event = _event(request.user, uuid, event_uuid)
    # What delivery would refuse to send now, the log does not show either.
    withheld = payload_withheld(event)
    return render(
        request,
        "practices/sync/event.html",
        {
            "endpoint": event.endpoint,
            "event": event,
            "deliveries": event.deliveries.all(),
            "withheld": withheld,
            "payload": "" if withheld else json.dumps(event.payload, indent=2, ensure_ascii=False),
        },
    )


@require_POST
@org_admin_required
def event_redeliver(request: HttpRequest, uuid, event_uuid) -> HttpResponse:
    """Queue an event again, with a fresh budget of attempts."""
    event = _event(request.user, uuid, event_uuid)
    try:
        webhooks.webhook_event_redeliver(actor=request.user, event=event)
    except WebhookError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The %(type)s event was queued for delivery again.") % {"type": event.event_type},
        )
    return redirect("webhooks:detail", uuid=event.endpoint.uuid)


@require_POST
@org_admin_required
def endpoint_ping(request: HttpRequest, uuid) -> HttpResponse:
    """Send a signed test event now and say what the receiver answered."""
    endpoint = _endpoint(request.user, uuid)
    try:
        result = webhooks.webhook_endpoint_ping(actor=request.user, endpoint=endpoint)
    except WebhookError as exc:
        messages.error(request, str(exc))
    else:
        if result.ok:
            messages.success(
                request,
                f"Test event sent: {endpoint.url} answered HTTP {result.status_code} in "
                f"{result.duration_ms} ms.",
            )
        else:
            messages.error(
                request,
                f"The test event failed ({result.summary()}). Real deliveries count only a 2xx "
                "answer: check the address, that the receiver is up and that it accepts a "
                "signed POST.",
            )
    return redirect("webhooks:detail", uuid=endpoint.uuid)


@require_POST
@org_admin_required
def endpoint_deactivate(request: HttpRequest, uuid) -> HttpResponse:
    """Stop deliveries to an endpoint; its log stays."""
    endpoint = _endpoint(request.user, uuid)
    webhooks.webhook_endpoint_deactivate(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Nothing more will be sent to %(url)s.") % {"url": endpoint.url})
    return redirect("webhooks:detail", uuid=endpoint.uuid)


@require_POST
@org_admin_required
def endpoint_delete(request: HttpRequest, uuid) -> HttpResponse:
    """Delete an endpoint with its events and log."""
    endpoint = _endpoint(request.user, uuid)
    url = endpoint.url
    webhooks.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(
        request, _("The endpoint %(url)s and its delivery log were deleted.") % {"url": url}
    )
    return redirect("webhooks:list")
