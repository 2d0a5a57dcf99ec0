"""The read-only audit trail in the admin."""

from __future__ import annotations

from django.contrib import admin

from practices.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only from the application."""

    list_display = [
        "created_at",
        "actor_email",
        "action",
        "object_type",
        "object_repr",
        "channel",
        "ip_address",
    ]
    list_filter = ["action", "channel", "object_type", "organisation"]
    search_fields = ["actor_email", "object_id", "object_repr"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
