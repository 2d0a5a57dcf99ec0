from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from practices.audit.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    actor_email = django_filters.CharFilter(lookup_expr="icontains", label=_("Actor e-mail"))
    object_id = django_filters.CharFilter(label=_("Object id (UUID)"))
    since = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "channel", "object_type", "actor_email", "object_id", "since", "until"]
