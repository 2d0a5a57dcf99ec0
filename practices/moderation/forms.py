"""Forms of the moderation pages: comments, decisions and tag corrections."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from practices.cases.text import COMMENT_MAX, NormalisedForm
from practices.vocabularies.models import Term
from practices.vocabularies.picker import TermField


class CommentForm(NormalisedForm):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=COMMENT_MAX
    )


class DecisionForm(NormalisedForm):
    """The comment that goes with a moderation decision; required for some (the service says)."""

    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=COMMENT_MAX,
    )


class TagCorrectionForm(NormalisedForm):
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
    comment = forms.CharField(required=False, max_length=1000, label=_("Why (optional)"))

    def __init__(self, *args, current_terms: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        for slug, label in self.TAXONOMIES:
            self.fields[f"terms_{slug}"] = TermField(slug, current=current_terms, label=label)
            self.initial[f"terms_{slug}"] = current_terms

    def chosen_terms(self) -> dict[str, list[Term]]:
        return {slug: list(self.cleaned_data[f"terms_{slug}"]) for slug, _ in self.TAXONOMIES}


class KeywordRenameForm(NormalisedForm):
    """A keyword's new name; the service checks it (commas, length, an existing keyword)."""

    label = forms.CharField(
        label=_("New name"),
        max_length=200,
        help_text=_("If another keyword already has this name, the two become one (a merge)."),
    )


class KeywordMergeForm(NormalisedForm):
    """The keyword to merge into, among those the moderator can see."""

    into = forms.ChoiceField(label=_("Merge into"))

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [("", _("Choose a keyword")), *choices]
