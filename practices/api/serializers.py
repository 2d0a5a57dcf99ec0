"""Shapes of case studies in the API. Output follows the queryset's anonymisation decision."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import Organisation
from portal.api import StrictJSONTypesMixin
from practices.api.collections import CollectionSerializer
from practices.cases import text
from practices.cases.models import TLP_RED_REFUSAL, CaseStudy
from practices.cases.representation import CaseStudySerializer, ReferenceSerializer
from practices.vocabularies.labels import (
    iso639_1_codes,
    language_english_name,
    validate_language_code,
)
from practices.vocabularies.models import Taxonomy, Term

# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (WritableTlpEnum).
WRITABLE_TLP_CHOICES = [c for c in CaseStudy.TLP.choices if c[0] != CaseStudy.TLP.RED]


class TextField(serializers.CharField):
    """Free text from a client: line endings normalised (as the pages do) before the length is
    checked and anything is stored."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return text.normalise_newlines(value)


def _no_comma(value: str) -> None:
    # The service reads keywords as "a, b, c" (the page's field): a comma would split one.
    if "," in value:
        raise serializers.ValidationError(
            _("A keyword holds no comma: send each keyword as an item of its own.")
        )


def _text(limit: int, **kwargs) -> TextField:
    return TextField(
        required=False,
        allow_blank=True,
        max_length=limit,
        error_messages={"max_length": text.too_long_message(limit)},
        **kwargs,
    )


# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (LanguageCodeEnum).
LANGUAGE_CODE_CHOICES = [(code, language_english_name(code)) for code in sorted(iso639_1_codes())]


class LanguageCodeField(serializers.ChoiceField):
    """An ISO 639-1 code (the schema lists them); refused with the same message as on the
    pages."""

    def __init__(self, **kwargs) -> None:
        super().__init__(LANGUAGE_CODE_CHOICES, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data and data not in iso639_1_codes():
            try:
                validate_language_code(data)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return super().to_internal_value(data)


class WritableTlpField(serializers.ChoiceField):
    """The TLP labels a case may carry: the schema offers no RED, and RED gets its reason."""

    def __init__(self, **kwargs) -> None:
        super().__init__(WRITABLE_TLP_CHOICES, **kwargs)

    def to_internal_value(self, data):
        if data == CaseStudy.TLP.RED:
            raise serializers.ValidationError(TLP_RED_REFUSAL)
        return super().to_internal_value(data)


class CaseStudyWriteSerializer(StrictJSONTypesMixin, serializers.Serializer):
    """What a client may send to create or change a draft; validated like the pages."""

    title = serializers.CharField(max_length=200)
    summary = _text(text.SUMMARY_MAX)
    language = LanguageCodeField(
        required=False, help_text="The language the case is written in (ISO 639-1)."
    )
    summary_translation = _text(
        text.SUMMARY_MAX, help_text="The summary in another language (plain text)."
    )
    summary_translation_language = LanguageCodeField(
        required=False,
        allow_blank=True,
        help_text='The language of summary_translation; "" together with an empty translation.',
    )
    incident = _text(text.LONG_SECTION_MAX)
    attribution_confidence = serializers.ChoiceField(
        CaseStudy.AttributionConfidence.choices, required=False
    )
    audiences = _text(text.AUDIENCES_MAX)
    incident_start = serializers.DateField(required=False, allow_null=True)
    incident_end = serializers.DateField(required=False, allow_null=True)
    response = _text(text.LONG_SECTION_MAX)
    responders = _text(300)
    response_start = serializers.DateField(required=False, allow_null=True)
    response_end = serializers.DateField(required=False, allow_null=True)
    resources = _text(text.RESOURCES_MAX)
    outcome = _text(text.LONG_SECTION_MAX)
    effectiveness = serializers.ChoiceField(CaseStudy.Effectiveness.choices, required=False)
    evidence = serializers.ChoiceField(CaseStudy.Evidence.choices, required=False, allow_blank=True)
    lessons = _text(text.LONG_SECTION_MAX)
    recommendations = _text(text.LONG_SECTION_MAX)
    tlp = WritableTlpField(required=False)
    attribution_mode = serializers.ChoiceField(CaseStudy.AttributionMode.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=120),
        required=False,
        max_length=200,
        help_text='Controlled terms as "taxonomy:code", e.g. "disarm-red:T0002", "country:EE".',
    )
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100, validators=[_no_comma]),
        required=False,
        max_length=50,
        help_text="Free keywords, one per item (a keyword holds no comma).",
    )
    recipients = serializers.ListField(
        child=serializers.SlugField(), required=False, max_length=100,
        help_text="Slugs of the organisations that may read an AMBER case.",
    )  # fmt: skip
    references = ReferenceSerializer(many=True, required=False, max_length=50)

    MODEL_FIELDS = [
        "title", "summary", "language", "summary_translation", "summary_translation_language",
        "incident", "attribution_confidence", "audiences", "incident_start",
        "incident_end", "response", "responders", "response_start", "response_end", "resources",
        "outcome", "effectiveness", "evidence", "lessons", "recommendations", "tlp",
        "attribution_mode",
    ]  # fmt: skip

    def validate_tags(self, values: list[str]) -> dict[str, list[Term]]:
        wanted = {}
        for value in values:
            slug, sep, code = value.partition(":")
            if not sep or slug == "keyword":
                raise serializers.ValidationError(
                    f'"{value}" is not a controlled tag; write it as "taxonomy:code".'
                )
            wanted[(slug, code)] = value
        found = {
            (t.taxonomy.slug, t.code): t
            for t in Term.objects.select_related("taxonomy").filter(
                Q(is_active=True) | Q(pk__in=self._terms_held()),
                taxonomy__slug__in={s for s, _ in wanted},
                code__in={c for _, c in wanted},
            )
        }
        unknown = [value for key, value in wanted.items() if key not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown or inactive tags: {', '.join(unknown)}.")
        grouped: dict[str, list[Term]] = {}
        for term in found.values():
            if (term.taxonomy.slug, term.code) in wanted:
                grouped.setdefault(term.taxonomy.slug, []).append(term)
        return grouped

    def _terms_held(self) -> list[int]:
        """The terms of the case being changed (``context["case"]``): kept when sent back,
        even once retired, as the page's tag fields keep them, so that a client may write
        back the tags it read."""
        case = self.context.get("case")
        if case is None:
            return []
        links = CaseStudy.terms.through.objects.filter(casestudy_id=case.pk)
        return list(links.values_list("term_id", flat=True))

    def validate_recipients(self, values: list[str]) -> list[Organisation]:
        organisations = list(Organisation.objects.active().filter(slug__in=values))
        missing = sorted(set(values) - {o.slug for o in organisations})
        if missing:
            raise serializers.ValidationError(f"Unknown organisations: {', '.join(missing)}.")
        return organisations

    def service_arguments(self) -> dict:
        data = self.validated_data
        fields = {name: data[name] for name in self.MODEL_FIELDS if name in data}
        for name in ("incident_start", "incident_end", "response_start", "response_end"):
            if name in fields and fields[name] is None:
                fields[name] = None
        arguments = {"fields": fields}
        if "tags" in data:
            controlled = [
                slug
                for slug in Taxonomy.objects.exclude(slug="keyword").values_list("slug", flat=True)
            ]
            arguments["terms"] = {slug: data["tags"].get(slug, []) for slug in controlled}
        if "keywords" in data:
            from practices.cases.services import keywords_to_terms

            # One keyword per item, none holding a comma (``_no_comma``): joined, they split
            # back into the same keywords, at most as many as the list's bound.
            arguments.setdefault("terms", {})["keyword"] = keywords_to_terms(
                ", ".join(data["keywords"])
            )
        if "recipients" in data:
            arguments["recipients"] = data["recipients"]
        if "references" in data:
            arguments["references"] = [dict(r) for r in data["references"]]
        return arguments


class CaseStudyUpdateSerializer(CaseStudyWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)
    version = serializers.IntegerField(
        help_text="The version you read; a stale one is refused with 409 and nothing changes."
    )


class DecisionSerializer(StrictJSONTypesMixin, serializers.Serializer):
    comment = _text(text.COMMENT_MAX, default="")


class TaxonomySerializer(serializers.ModelSerializer):
    class Meta:
        model = Taxonomy
        fields = ["slug", "name", "description", "source", "attribution"]


class TermSerializer(serializers.ModelSerializer):
    taxonomy = serializers.CharField(source="taxonomy.slug")
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)
    translations = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The label in other languages by code (fr, ja, ko), for the curated "
        "vocabularies; `label` stays English. Country and language names come from the ISO "
        "libraries' translations and DISARM names stay English, so these have none.",
    )

    class Meta:
        model = Term
        fields = [
            "taxonomy", "code", "label", "translations", "description", "parent", "is_active",
            "source",
        ]  # fmt: skip


FEED_ENTRY_TYPES = [("case", "case"), ("collection", "collection")]


class FeedEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        FEED_ENTRY_TYPES,
        help_text='What the entry is about: "case" (see `case`) or "collection" (see '
        "`collection`). Consumers that keep only cases skip collection entries.",
    )
    seq = serializers.IntegerField()
    uuid = serializers.UUIDField(help_text="The case's uuid, or the collection's.")
    deleted = serializers.BooleanField(
        help_text="A tombstone: drop your copy of this case (or collection)."
    )
    case = CaseStudySerializer(allow_null=True, help_text="Always null for a collection entry.")
    collection = CollectionSerializer(
        allow_null=True,
        required=False,
        help_text="Collection entries only: the collection with the cases you may read; "
        "null for a tombstone.",
    )


class FeedPageSerializer(serializers.Serializer):
    results = FeedEntrySerializer(many=True)
    next_cursor = serializers.CharField(help_text="Pass as ?cursor= to continue; store it.")
    has_more = serializers.BooleanField()
