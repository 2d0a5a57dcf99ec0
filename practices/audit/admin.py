"""The read-only audit trail in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from practices.audit import readable
from practices.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only from the application."""

    list_display = [
        "created_at",
        "actor_email",
        "action",
        "object_kind",
        "object_repr",
        "channel",
        "ip_address",
    ]
    readonly_fields = ["object_kind", "readable_changes"]
    # Names tag references ("disarm-red:T0086"); set by practices/admin.py, which may import the
    # vocabularies this room may not.
    describe_refs: readable.DescribeRefs | None = None

    @admin.display(description=_("Object kind"), ordering="object_type")
    def object_kind(self, obj: AuditEvent) -> str:
        return capfirst(readable.object_type_label(obj.object_type))

    @admin.display(description=_("Changes, readable"))
    def readable_changes(self, obj: AuditEvent):
        (event,) = readable.audit_events_readable([obj], describe_refs=type(self).describe_refs)
        rows = ((change.field, change.text) for change in event.readable_changes)
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", rows)

    list_filter = ["action", "channel", "object_type", "organisation"]
    search_fields = ["actor_email", "object_id", "object_repr"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
