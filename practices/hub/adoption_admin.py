"""Adoptions in the admin: operators can find and read them. They are recorded, changed and
removed on the case pages and the API (``practices.hub.adoptions``), where the rules are
checked and each write adds the case's change-feed entry, so the admin writes nothing."""

from __future__ import annotations

from django.contrib import admin

from practices.hub.models import Adoption


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    list_display = ["uuid", "case_study", "organisation", "applied_on", "effect", "evidence"]
    list_filter = ["effect", "evidence", "attribution_mode"]
    list_select_related = ["case_study", "organisation"]
    search_fields = ["uuid", "case_study__uuid"]
    readonly_fields = [
        "uuid",
        "case_study",
        "organisation",
        "author",
        "applied_on",
        "where",
        "adaptation",
        "effect",
        "evidence",
        "attribution_mode",
        "version",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
