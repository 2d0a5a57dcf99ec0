"""Case links in the admin: operators can find and remove a wrong link; links are made on the
case pages (``practices.insights.services``), where the rule "a member of the first case's
organisation or a moderator" is checked, so the admin does not create or edit them."""

from __future__ import annotations

from django.contrib import admin

from practices.insights.models import CaseLink


@admin.register(CaseLink)
class CaseLinkAdmin(admin.ModelAdmin):
    list_display = ["kind", "from_case", "to_case", "organisation", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["from_case", "to_case", "organisation"]
    search_fields = ["from_case__uuid", "to_case__uuid"]
    readonly_fields = [
        "uuid",
        "from_case",
        "to_case",
        "kind",
        "note",
        "organisation",
        "created_by",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
