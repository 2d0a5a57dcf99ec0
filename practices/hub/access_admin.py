"""Access requests in the admin, read only: operators can look one up; asking and deciding
happen on the portal's pages (``practices.hub.access``), where the rules are checked and the
recipient change is recorded, so the admin neither creates, edits nor deletes them."""

from __future__ import annotations

from django.contrib import admin

from practices.hub.models import AccessRequest


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ["uuid", "case_study", "organisation", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["case_study", "organisation"]
    search_fields = ["uuid", "case_study__uuid", "organisation__name"]
    readonly_fields = [
        "uuid",
        "case_study",
        "organisation",
        "requested_by",
        "reason",
        "status",
        "decided_by",
        "decision_note",
        "created_at",
        "decided_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
