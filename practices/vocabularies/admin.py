"""Admin for vocabularies."""

from __future__ import annotations

from django.contrib import admin

from practices.vocabularies.changes import terms_relabel_record
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"label", "code", "taxonomy"} & set(form.changed_data):
            # What is built from labels and codes (the search index) follows the new words.
            terms_relabel_record([obj.pk])
