from __future__ import annotations

import django_filters
from django import forms
from django.apps import apps
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from practices.audit.models import AuditEvent


def _object_types() -> list[tuple[str, str]]:
    """The kinds of object the trail names, by their verbose names ("Case study"): the models
    of our apps whose name is translated (every audited model's is)."""
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in ("accounts", "practices", "outbox")
        and isinstance(m._meta.verbose_name, Promise)
    ]
    choices = {m._meta.label_lower: capfirst(str(m._meta.verbose_name)) for m in models}
    return sorted(choices.items(), key=lambda choice: choice[1])


class AuditEventFilterSet(django_filters.FilterSet):
    object_type = django_filters.ChoiceFilter(choices=_object_types, label=_("Object kind"))
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
