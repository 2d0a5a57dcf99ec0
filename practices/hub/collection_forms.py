"""Forms of the moderators' collection pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases.text import LONG_SECTION_MAX, NormalisedForm
from practices.hub.collection_models import Collection

NOTE_MAX = 4000


class CollectionForm(NormalisedForm):
    """A collection's text, TLP and (optional) workshop details."""

    title = forms.CharField(label=_("Title"), max_length=200)
    synthesis = forms.CharField(
        label=_("Synthesis"),
        required=False,
        max_length=LONG_SECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What the cases teach together. Markdown: **bold**, lists, links."),
    )
    tlp = forms.ChoiceField(
        label="TLP",
        choices=Collection.TLP.choices,
        initial=Collection.TLP.GREEN,
        widget=forms.RadioSelect,
        help_text=_(
            "CLEAR: anyone, visitors included. GREEN: members of partner organisations. "
            "Each reader sees only the cases in it that they may read."
        ),
    )
    workshop_date = forms.DateField(
        label=_("Workshop date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a workshop or working-group pack; leave empty otherwise."),
    )
    workshop_place = forms.CharField(label=_("Workshop place"), required=False, max_length=200)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Shown with the collection: on a CLEAR one, to everyone, visitors included. Name "
            "an organisation only if it agrees to be seen cooperating."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = Organisation.objects.filter(is_active=True).order_by(
            "name"
        )
        self.fields["participants"].to_field_name = "slug"

    @classmethod
    def for_collection(cls, collection: Collection, data=None) -> CollectionForm:
        initial = {
            "title": collection.title,
            "synthesis": collection.synthesis,
            "tlp": collection.tlp,
            "workshop_date": collection.workshop_date,
            "workshop_place": collection.workshop_place,
            "participants": [o.slug for o in collection.participants.all()],
            "version": collection.version,
        }
        return cls(data, initial=initial)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "synthesis": data["synthesis"],
            "tlp": data["tlp"],
            "workshop_date": data["workshop_date"],
            "workshop_place": data["workshop_place"],
            "participants": list(data["participants"]),
        }


class CollectionItemAddForm(NormalisedForm):
    case = forms.CharField(
        label=_("Case"),
        max_length=500,
        help_text=_("Paste the case's UUID or the address of its page. Only published cases."),
    )
    note = forms.CharField(
        label=_("Curator's note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this case belongs here. Readers who may read the case see it with it."),
    )


class CollectionItemNoteForm(NormalisedForm):
    note = forms.CharField(
        label=_("Curator's note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
