"""Forms for drafting a case study, one per section, plus browsing filters' widgets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.models import TLP_RED_REFUSAL, CaseStudy
from practices.cases.text import NormalisedForm, NormalisedTextMixin
from practices.vocabularies.labels import content_language_choices
from practices.vocabularies.models import Term
from practices.vocabularies.picker import TermField, TermPicker


class SectionForm(NormalisedTextMixin, forms.ModelForm):
    """One section of the case; carries the version the person started from."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    taxonomies: list[tuple[str, str, str]] = []  # (slug, label, help)
    markdown_fields: tuple[str, ...] = ()

    def __init__(self, *args, current_terms: list[int], version: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = version
        current = current_terms
        for slug, label, help_text in self.taxonomies:
            self.fields[f"terms_{slug}"] = TermField(
                slug, current=current, label=label, help_text=help_text
            )
            self.initial.setdefault(f"terms_{slug}", current)
        for name in self.markdown_fields:
            self.fields[name].help_text = "Markdown: **bold**, *italic*, lists, links. No HTML."

    def model_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def chosen_terms(self) -> dict[str, list[Term]]:
        return {slug: list(self.cleaned_data[f"terms_{slug}"]) for slug, _, _ in self.taxonomies}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _translation_language_choices() -> list:
    return [("", _("No translation")), *content_language_choices()]


class IncidentForm(SectionForm):
    keywords = forms.CharField(
        required=False, help_text=_("Free keywords, separated by commas."), max_length=500
    )
    # A list rather than the language term picker: one value, no script needed, and named in
    # the reader's language; the portal's own languages come first.
    language = forms.ChoiceField(
        label=_("Written in"),
        choices=content_language_choices,
        required=False,  # the list always sends one; a post without it keeps the case's
        help_text=_("The language of the case study's text."),
    )
    summary_translation_language = forms.ChoiceField(
        label=_("Language of the translated summary"),
        choices=_translation_language_choices,
        required=False,
    )
    taxonomies = [
        ("disarm-red", "DISARM techniques", "Tactics and techniques of the disinformation."),
        ("threat-actor", "Suspected actor", ""),
        ("platform", "Platforms and channels", ""),
        ("country", "Countries targeted", ""),
        ("language", "Languages", ""),
        ("region", "Region", ""),
        ("theme", "Themes", ""),
    ]
    markdown_fields = ("incident",)

    class Meta:
        model = CaseStudy
        fields = [
            "title",
            "language",
            "summary",
            "summary_translation",
            "summary_translation_language",
            "incident",
            "attribution_confidence",
            "audiences",
            "incident_start",
            "incident_end",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "summary_translation": forms.Textarea(attrs={"rows": 3}),
            "audiences": forms.Textarea(attrs={"rows": 2}),
            "incident_start": DATE,
            "incident_end": DATE,
        }
        labels = {
            "title": _("Title"),
            "summary": _("Summary"),
            "attribution_confidence": _("Confidence in the attribution"),
            "incident_start": _("Incident start"),
            "incident_end": _("Incident end"),
            "summary_translation": _("Summary in another language"),
        }
        help_texts = {
            "summary_translation": _(
                "Optional: the summary translated for readers of another language, as plain "
                "text. Choose its language below."
            )
        }

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keywords = Term.objects.of("keyword").filter(pk__in=kwargs["current_terms"])
        self.initial.setdefault("keywords", ", ".join(keywords.values_list("label", flat=True)))


class ResponseForm(SectionForm):
    taxonomies = [
        (
            "disarm-blue",
            "DISARM countermeasures",
            "Caution from the framework's authors: the Blue framework came out of a 2019 "
            "workshop and includes responses that some consider unethical, such as "
            "censorship. Tag what was done, not what is endorsed.",
        ),
    ]
    markdown_fields = ("response", "resources")

    class Meta:
        model = CaseStudy
        fields = ["response", "responders", "response_start", "response_end", "resources"]
        labels = {"response_start": _("Response start"), "response_end": _("Response end")}
        widgets = {"response_start": DATE, "response_end": DATE}


class OutcomeForm(SectionForm):
    markdown_fields = ("outcome", "lessons", "recommendations")

    class Meta:
        model = CaseStudy
        fields = ["outcome", "effectiveness", "evidence", "lessons", "recommendations"]
        labels = {
            "effectiveness": _("Effectiveness"),
            "evidence": _("What the rating rests on"),
            "recommendations": _("Recommendations"),
        }


class HandlingForm(SectionForm):
    recipients = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=TermPicker,
        help_text=_("Required for AMBER and AMBER+STRICT: the organisations that may read it."),
    )
    recipients.widget.search_label = "recipient organisations"

    class Meta:
        model = CaseStudy
        fields = ["tlp", "attribution_mode", "discoverable"]
        widgets = {"attribution_mode": forms.RadioSelect, "tlp": forms.RadioSelect}
        labels = {
            "tlp": _("Traffic Light Protocol (TLP 2.0)"),
            "attribution_mode": _("Attribution"),
            "discoverable": _("Discoverable: other organisations may ask for access"),
        }

    def __init__(self, *args, current_recipients: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = Organisation.objects.active().exclude(
            pk=self.instance.organisation_id
        )
        self.initial.setdefault("recipients", current_recipients)

    def clean_tlp(self) -> str:
        tlp = self.cleaned_data["tlp"]
        if tlp == CaseStudy.TLP.RED:
            raise forms.ValidationError(TLP_RED_REFUSAL)
        return tlp

    def chosen_recipients(self) -> list[Organisation]:
        if self.cleaned_data["tlp"] not in CaseStudy.RESTRICTED_TLPS:
            return []  # recipients only mean something for AMBER
        return list(self.cleaned_data["recipients"])


class ReferenceForm(NormalisedForm):
    url = forms.URLField(label="URL", max_length=1000, assume_scheme="https")
    title = forms.CharField(max_length=300)
    archive_url = forms.URLField(
        label=_("Archived copy URL"), max_length=1000, required=False, assume_scheme="https"
    )


ReferenceFormSet = forms.formset_factory(ReferenceForm, extra=2, can_delete=True, max_num=50)


class ReferencesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Add a file"))


class NewCaseForm(NormalisedTextMixin, forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = ["title"]
        labels = {"title": _("Title")}
        help_texts = {"title": _("A short, plain title. You can change it later.")}


SECTIONS = {
    "incident": (_("Incident"), IncidentForm),
    "response": (_("Response"), ResponseForm),
    "outcome": (_("Outcome and lessons"), OutcomeForm),
    "references": (_("References and attachments"), None),
    "handling": (_("Handling"), HandlingForm),
}
