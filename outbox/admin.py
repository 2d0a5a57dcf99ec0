"""Outgoing e-mail in the admin: what was sent, what waits, what failed; retry by hand."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.models import Email
from outbox.services import emails_enqueue


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipients", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "reference"]
    readonly_fields = [f.name for f in Email._meta.fields]
    actions = ["retry"]

    @admin.display(description=_("to"))
    def recipients(self, email: Email) -> str:
        return ", ".join(email.to)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send the selected failed or pending e-mails again"))
    def retry(self, request, queryset) -> None:
        with transaction.atomic():
            chosen = list(
                queryset.filter(status__in=[Email.Status.FAILED, Email.Status.PENDING])
                .exclude(body="", html_body="")
                .values_list("pk", flat=True)
            )
            Email.objects.filter(pk__in=chosen).update(
                status=Email.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
            )
            transaction.on_commit(lambda: emails_enqueue(chosen))
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail queued again.", "%(count)d e-mails queued again.", len(chosen)
            )
            % {"count": len(chosen)},
        )
