from __future__ import annotations

from django.contrib import admin

from practices import feed
from practices.audit import audit_record, changes_between
from practices.models import (
    AuditEvent,
    CaseStudy,
    ModerationEvent,
    Reference,
    Taxonomy,
    Term,
    WebhookEndpoint,
    WebhookEvent,
)


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


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


@admin.register(CaseStudy)
class CaseStudyAdmin(admin.ModelAdmin):
    """Operators may correct a case; every change is audited with the admin channel."""

    list_display = ["title", "organisation", "status", "tlp", "attribution_mode", "updated_at"]
    list_filter = ["status", "tlp", "attribution_mode", "organisation"]
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
        feed.change_record(form.instance)

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.DELETE,
            obj=obj,
            changes={"title": [obj.title, None]},
            organisation=obj.organisation,
        )
        feed.change_record(obj, deleted=True)
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


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "created_at"]
    list_filter = ["is_active", "organisation"]
    readonly_fields = ["uuid"]  # the secret is not editable and never shown here
    list_select_related = ["organisation"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["uuid", "endpoint", "event_type", "status", "attempts", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]
