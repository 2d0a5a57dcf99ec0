"""Forms of access requests: asking with a reason, deciding with a note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from practices.cases.text import NormalisedForm
from practices.hub.models import ACCESS_NOTE_MAX, ACCESS_REASON_MAX


class AccessRequestForm(NormalisedForm):
    reason = forms.CharField(
        label=_("Why your organisation needs this case"),
        max_length=ACCESS_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The originating organisation's admins read this to decide. Say what you are "
            "working on and how you would use the case; it stays TLP:AMBER if shared."
        ),
        error_messages={"required": _("Say why your organisation needs this case.")},
    )


class AccessDecisionForm(NormalisedForm):
    note = forms.CharField(
        label=_("Note to the requesting organisation"),
        max_length=ACCESS_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional when granting; required when declining, so they know why."),
    )
