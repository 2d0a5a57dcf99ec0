"""The form in which an organisation says it applied a case's practice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from practices.cases.models import CaseStudy
from practices.hub.models import Adoption

FIELDS = ["applied_on", "where", "effect", "evidence", "adaptation", "attribution_mode"]


class AdoptionForm(forms.ModelForm):
    """When, where and how it was applied, how well it worked and on what evidence; the
    service validates again (``adoption_record``), so the API and the page say the same."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Adoption
        fields = FIELDS
        widgets = {
            "applied_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "adaptation": forms.Textarea(attrs={"rows": 5}),
            "attribution_mode": forms.RadioSelect,
            "evidence": forms.RadioSelect,
        }
        labels = {"attribution_mode": _("How your organisation is shown")}
        help_texts = {
            "effect": _("How well it worked for you, on the same scale as the case's outcome."),
            "evidence": _("What that judgement rests on."),
        }

    def __init__(self, *args, case_study: CaseStudy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = CaseStudy.Evidence.choices
        self.fields["attribution_mode"].choices = CaseStudy.AttributionMode.choices
        if case_study.tlp in CaseStudy.RESTRICTED_TLPS:
            # A named adoption is shown to every reader of the case: here, its other recipients.
            self.fields["attribution_mode"].help_text = _(
                "Only the hub's moderators and the organisations its author chose read this case "
                "(%(tlp)s). If yours is named, those organisations will see that it received the "
                "case too."
            ) % {"tlp": case_study.get_tlp_display()}
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS}
