"""Admin for case studies (audited, through the admin channel) and their history."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between
from practices.cases.changes import case_change_record
from practices.cases.models import CaseStudy, ModerationEvent, Reference


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


@admin.register(CaseStudy)
class CaseStudyAdmin(admin.ModelAdmin):
    """Operators may correct a case; every change is audited with the admin channel."""

    list_display = ["title", "organisation", "status", "tlp", "attribution_mode", "updated_at"]
    list_filter = ["status", "tlp", "attribution_mode", "language", "organisation"]
    search_fields = ["title", "uuid"]
    list_select_related = ["organisation"]
    readonly_fields = [
        "uuid",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
        "published_at",
    ]
    filter_horizontal = ["recipients"]
    raw_id_fields = ["terms", "created_by"]
    inlines = [ReferenceInline]

    def save_model(self, request, obj, form, change):
        before = {f: form.initial.get(f) for f in form.changed_data} if change else {}
        if change:
            obj.version += 1
        if obj.status == CaseStudy.Status.PUBLISHED and obj.published_at is None:
            # As the approval that publishes a case gives it: the order of lists and feeds
            # and a search's window of newest months (practices.discovery.window) read it.
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)
        after = {f: form.cleaned_data.get(f) for f in form.changed_data}
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            obj=obj,
            changes=changes_between(before, after),
            organisation=obj.organisation,
        )

    def save_related(self, request, form, formsets, change):
        # Recipients and tags are saved here, after the row: record the feed entry last.
        super().save_related(request, form, formsets, change)
        case_change_record(form.instance)

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.DELETE,
            obj=obj,
            changes={"title": [obj.title, None]},
            organisation=obj.organisation,
        )
        case_change_record(obj, deleted=True)
        super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Bulk deletion would bypass the audit trail; delete one case at a time.
        return super().has_delete_permission(request, obj) and obj is not None


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    list_display = ["case_study", "from_status", "to_status", "actor", "created_at"]
    list_select_related = ["case_study", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
