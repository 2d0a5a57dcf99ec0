"""Webhooks in the admin."""

from __future__ import annotations

from django.contrib import admin

from practices.sync.models import WebhookEndpoint, WebhookEvent


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "created_at"]
    list_filter = ["is_active", "organisation"]
    readonly_fields = ["uuid"]  # the secret is not editable and never shown here
    list_select_related = ["organisation"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["uuid", "endpoint", "event_type", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
