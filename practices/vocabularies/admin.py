"""Admin for vocabularies."""

from __future__ import annotations

from django.contrib import admin

from practices.vocabularies.models import Taxonomy, Term


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "source", "position"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "taxonomy", "parent", "is_active"]
    list_filter = ["taxonomy", "is_active"]
    search_fields = ["code", "label"]
    list_select_related = ["taxonomy", "parent"]
    raw_id_fields = ["parent"]
