"""The term picker: checkboxes with a search-as-you-type box, grouped by tactic."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from practices.vocabularies.models import Term


class TermPicker(forms.CheckboxSelectMultiple):
    """Checkboxes with a search-as-you-type box (portal/static/portal/picker.js), grouped."""

    template_name = "practices/vocabularies/term_picker.html"
    search_label = "this list"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["search_label"] = self.search_label
        return context


def term_label(term: Term) -> str:
    # DISARM people speak in ids (T0002, C00006); elsewhere the code is internal.
    return str(term) if term.taxonomy.slug.startswith("disarm") else term.display_label


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
