"""Forms for drafting a case study, one per section, plus browsing filters' widgets."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from accounts.models import Organisation
from practices.models import TLP_RED_REFUSAL, CaseStudy, Term


class TermPicker(forms.CheckboxSelectMultiple):
    """Checkboxes with a search-as-you-type box (portal/static/portal/picker.js), grouped."""

    template_name = "practices/widgets/term_picker.html"
    search_label = "this list"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["search_label"] = self.search_label
        return context


def term_label(term: Term) -> str:
    # DISARM people speak in ids (T0002, C00006); elsewhere the code is internal.
    return str(term) if term.taxonomy.slug.startswith("disarm") else term.label


def _tactic_of(term: Term, by_pk: dict[int, Term]) -> Term | None:
    # Techniques hang under a tactic; sub-techniques under a technique under a tactic.
    node = term
    while node.parent_id is not None:
        node = by_pk.get(node.parent_id) or node.parent
    return node if node is not term else None


def grouped_term_choices(terms: list[Term]) -> list:
    """Choices for a picker: hierarchical vocabularies grouped by their top-level term.

    Top-level terms that have children (DISARM tactics, Blue metatechniques) become group
    headings rather than options.
    """
    by_pk = {t.pk: t for t in terms}
    parents = {t.parent_id for t in terms if t.parent_id}
    if not parents:
        return [(t.pk, term_label(t)) for t in terms]
    groups: dict[str, list] = {}
    for term in terms:
        if term.parent_id is None and term.pk in parents:
            groups.setdefault(str(term), [])
            continue
        top = _tactic_of(term, by_pk)
        groups.setdefault(str(top) if top else "Other", []).append((term.pk, term_label(term)))
    return [(label, options) for label, options in groups.items() if options]


class TermField(forms.ModelMultipleChoiceField):
    widget = TermPicker

    def __init__(self, taxonomy_slug: str, *, current: list[int], **kwargs):
        queryset = (
            Term.objects.of(taxonomy_slug)
            .filter(Q(is_active=True) | Q(pk__in=current))
            .select_related("taxonomy")
            .order_by("position", "code")
        )
        super().__init__(queryset=queryset, required=False, **kwargs)
        self.taxonomy_slug = taxonomy_slug
        self.widget.search_label = str(kwargs.get("label") or taxonomy_slug)
        self.choices = grouped_term_choices(list(queryset))


class SectionForm(forms.ModelForm):
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


class IncidentForm(SectionForm):
    keywords = forms.CharField(
        required=False, help_text="Free keywords, separated by commas.", max_length=500
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
            "summary",
            "incident",
            "attribution_confidence",
            "audiences",
            "incident_start",
            "incident_end",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "audiences": forms.Textarea(attrs={"rows": 2}),
            "incident_start": DATE,
            "incident_end": DATE,
        }
        labels = {"attribution_confidence": "Confidence in the attribution"}

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
        widgets = {"response_start": DATE, "response_end": DATE}


class OutcomeForm(SectionForm):
    markdown_fields = ("outcome", "lessons", "recommendations")

    class Meta:
        model = CaseStudy
        fields = ["outcome", "effectiveness", "evidence", "lessons", "recommendations"]
        labels = {"evidence": "What the rating rests on"}


class HandlingForm(SectionForm):
    recipients = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        widget=TermPicker,
        help_text="Required for AMBER and AMBER+STRICT: the organisations that may read it.",
    )
    recipients.widget.search_label = "recipient organisations"

    class Meta:
        model = CaseStudy
        fields = ["tlp", "attribution_mode"]
        widgets = {"attribution_mode": forms.RadioSelect, "tlp": forms.RadioSelect}
        labels = {"tlp": "Traffic Light Protocol (TLP 2.0)", "attribution_mode": "Attribution"}

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


class ReferenceForm(forms.Form):
    url = forms.URLField(label="URL", max_length=1000, assume_scheme="https")
    title = forms.CharField(max_length=300)
    archive_url = forms.URLField(
        label="Archived copy URL", max_length=1000, required=False, assume_scheme="https"
    )


ReferenceFormSet = forms.formset_factory(ReferenceForm, extra=2, can_delete=True, max_num=50)


class ReferencesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Add a file")


class NewCaseForm(forms.ModelForm):
    class Meta:
        model = CaseStudy
        fields = ["title"]
        help_texts = {"title": "A short, plain title. You can change it later."}


SECTIONS = {
    "incident": ("Incident", IncidentForm),
    "response": ("Response", ResponseForm),
    "outcome": ("Outcome and lessons", OutcomeForm),
    "references": ("References and attachments", None),
    "handling": ("Handling", HandlingForm),
}


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class DecisionForm(forms.Form):
    """The comment that goes with a moderation decision; required for some (the service says)."""

    comment = forms.CharField(
        label="Comment", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class TagCorrectionForm(forms.Form):
    """Moderators correct tags of every controlled vocabulary at once."""

    TAXONOMIES = [
        ("disarm-red", "DISARM techniques"),
        ("disarm-blue", "DISARM countermeasures"),
        ("threat-actor", "Suspected actor"),
        ("platform", "Platforms and channels"),
        ("country", "Countries"),
        ("language", "Languages"),
        ("region", "Region"),
        ("theme", "Themes"),
    ]
    comment = forms.CharField(required=False, max_length=1000, label="Why (optional)")

    def __init__(self, *args, current_terms: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        for slug, label in self.TAXONOMIES:
            self.fields[f"terms_{slug}"] = TermField(slug, current=current_terms, label=label)
            self.initial[f"terms_{slug}"] = current_terms

    def chosen_terms(self) -> dict[str, list[Term]]:
        return {slug: list(self.cleaned_data[f"terms_{slug}"]) for slug, _ in self.TAXONOMIES}
