from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, Organisation, User
from practices.audit.models import AuditEvent
from practices.audit.records import audit_record, changes_between


class AuditedAdminMixin:
    """Writes an audit event (channel "admin") when an operator creates a row or changes one of
    ``audited_fields``: the same trail as the pages and commands, not only Django's admin log."""

    audited_fields: tuple[str, ...] = ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if f in self.audited_fields]
        if change and not fields:
            return

        def plain(value):
            return getattr(value, "pk", value)

        audit_record(
            actor=request.user,
            action=AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE,
            obj=obj,
            organisation=obj if isinstance(obj, Organisation) else obj.organisation,
            changes=changes_between(
                {f: plain(form.initial.get(f)) for f in fields} if change else {},
                {f: plain(form.cleaned_data.get(f)) for f in fields},
            ),
        )


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audited_fields = ("name", "short_name", "partner_group", "is_active")
    list_display = [
        "name",
        "short_name",
        "country",
        "partner_group",
        "kind",
        "is_active",
        "is_demo",
    ]
    list_filter = ["partner_group", "kind", "is_active", "is_demo"]
    search_fields = ["name", "short_name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audited_fields = (
        "email",
        "organisation",
        "role",
        "is_moderator",
        "is_active",
        "is_staff",
        "is_superuser",
    )
    ordering = ["email"]
    list_display = ["email", "full_name", "organisation", "role", "is_moderator", "is_active"]
    list_filter = ["role", "is_moderator", "is_active", "is_staff", "organisation"]
    search_fields = ["email", "full_name"]
    list_select_related = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Person"),
            {"fields": ["full_name", "organisation", "role", "is_moderator", "language"]},
        ),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "organisation", "role", "password1", "password2"],
            },
        ),
    ]
    filter_horizontal = ["groups"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organisation",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role", "organisation"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "uuid"]
    list_select_related = ["organisation"]
