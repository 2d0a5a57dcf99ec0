"""Saved searches in the admin: operators can see and fix them; the query is a person's own."""

from __future__ import annotations

from django.contrib import admin

from practices.discovery.models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "frequency", "created_at", "last_checked_at"]
    list_filter = ["frequency"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__email"]
    readonly_fields = ["uuid", "owner", "query", "created_at", "last_checked_at"]
