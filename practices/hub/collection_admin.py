"""Collections in the operator admin: read-mostly (moderators curate on the site, where every
write is audited and announced on the change feed)."""

from __future__ import annotations

from django.contrib import admin

from practices.hub.collection_models import Collection, CollectionItem


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ["position", "case", "note", "added_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "tlp", "workshop_date", "published_at", "updated_at"]
    list_filter = ["status", "tlp"]
    search_fields = ["title"]
    readonly_fields = [
        "uuid", "title", "synthesis", "tlp", "status", "workshop_date", "workshop_place",
        "participants", "created_by", "created_at", "updated_at", "published_at", "version",
    ]  # fmt: skip
    inlines = [CollectionItemInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
