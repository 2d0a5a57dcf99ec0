"""How a case is shown to a reader outside the pages: the API and webhook payloads use this one
representation, so a webhook carries the case exactly as ``GET /api/v1/cases/<uuid>/`` shows it
to that organisation. Output follows the queryset's anonymisation decision.

These serializers describe the output (the OpenAPI schema); ``practices.cases.rendering``
produces it without their per-field machinery, and a test keeps the two identical."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api import StrictJSONTypesMixin
from practices.cases.models import CaseStudy
from practices.cases.rendering import originator_render, part_render, shows_recipients
from practices.vocabularies.loaders import DISARM_ATTRIBUTION
from practices.vocabularies.models import Term


class OriginatorSerializer(serializers.Serializer):
    anonymised = serializers.BooleanField()
    name = serializers.CharField(allow_null=True)
    short_name = serializers.CharField(allow_null=True)
    slug = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    region = serializers.CharField()


class TagSerializer(serializers.Serializer):
    taxonomy = serializers.CharField()
    code = serializers.CharField()
    label = serializers.CharField()


class ReferenceSerializer(StrictJSONTypesMixin, serializers.Serializer):
    url = serializers.URLField(max_length=1000)
    title = serializers.CharField(max_length=300)
    archive_url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, default=""
    )


class AttachmentOutSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    download_url = serializers.URLField(
        help_text="Absolute; send your token: `GET` answers the file as an attachment."
    )


# Changing this docstring changes the schema (it is the component's description).
class AdoptionSerializer(serializers.Serializer):
    """An organisation's report that it applied the case's practice; anonymised adopters show
    only their region, as anonymised cases do."""

    uuid = serializers.UUIDField()
    adopter = OriginatorSerializer(
        help_text="The adopting organisation, or only its region when it is anonymised to you."
    )
    attribution_mode = serializers.ChoiceField(CaseStudy.AttributionMode.choices)
    applied_on = serializers.DateField()
    where = serializers.CharField()
    adaptation = serializers.CharField(help_text='How it was adapted (Markdown); "" if not said.')
    effect = serializers.ChoiceField(CaseStudy.Effectiveness.choices)
    evidence = serializers.ChoiceField(CaseStudy.Evidence.choices)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# Changing this docstring changes the schema (it is the component's description).
class CaseStudySerializer(serializers.ModelSerializer):
    """A case as the requester may see it. Expects ``for_reader`` rows with prefetches."""

    originator = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    keywords = serializers.SerializerMethodField()
    recipients = serializers.SerializerMethodField()
    references = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    attribution = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    # Produced by the hub room (practices.hub.adoption_rendering), installed as a part.
    adoptions = serializers.SerializerMethodField()
    language = serializers.CharField(
        read_only=True, help_text="The language the case is written in (ISO 639-1, e.g. ja)."
    )
    summary_translation = serializers.CharField(
        read_only=True, help_text='The summary in another language; "" when there is none.'
    )
    summary_translation_language = serializers.CharField(
        read_only=True,
        help_text='The language of summary_translation (ISO 639-1); "" when there is none.',
    )
    # Declared so the schema allows "" (no evidence given); read_only_fields would drop that.
    evidence = serializers.ChoiceField(CaseStudy.Evidence.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CaseStudy
        fields = [
            "uuid", "url", "version", "status", "tlp", "attribution_mode", "originator",
            "title", "summary", "language", "summary_translation", "summary_translation_language",
            "incident", "attribution_confidence", "audiences", "incident_start", "incident_end",
            "response", "responders", "response_start", "response_end", "resources",
            "outcome", "effectiveness", "evidence", "lessons", "recommendations",
            "tags", "keywords", "recipients", "references", "attachments",
            "created_at", "updated_at", "submitted_at", "published_at", "attribution",
            "adoptions",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OriginatorSerializer)
    def get_originator(self, case: CaseStudy) -> dict:
        return originator_render(case)

    def _terms(self, case: CaseStudy) -> list[Term]:
        return list(case.terms.all())

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, case: CaseStudy) -> list[dict]:
        return [
            {"taxonomy": t.taxonomy.slug, "code": t.code, "label": t.label}
            for t in self._terms(case)
            if t.taxonomy.slug != "keyword"
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_keywords(self, case: CaseStudy) -> list[str]:
        return [t.label for t in self._terms(case) if t.taxonomy.slug == "keyword"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_recipients(self, case: CaseStudy) -> list[str] | None:
        if shows_recipients(self.context["actor"], case):
            return [o.slug for o in case.recipients.all()]
        return None

    @extend_schema_field(ReferenceSerializer(many=True))
    def get_references(self, case: CaseStudy) -> list[dict]:
        return [
            {"url": r.url, "title": r.title, "archive_url": r.archive_url}
            for r in case.references.all()
        ]

    def _absolute(self, path: str) -> str:
        """A link a machine can follow: from the request when there is one, else (webhook
        payloads, built by a task) from SITE_URL."""
        request = self.context.get("request")
        if request is not None:
            return request.build_absolute_uri(path)
        return settings.SITE_URL + path

    @extend_schema_field(AttachmentOutSerializer(many=True))
    def get_attachments(self, case: CaseStudy) -> list[dict]:
        # The API's own download, which takes a token; the page's link answers only sessions.
        return [
            {
                "uuid": a.uuid,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "download_url": self._absolute(
                    reverse("api:case-attachment", args=[case.uuid, a.uuid])
                ),
            }
            for a in case.attachments.all()
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_attribution(self, case: CaseStudy) -> str | None:
        disarm = any(t.taxonomy.slug.startswith("disarm") for t in self._terms(case))
        return DISARM_ATTRIBUTION if disarm else None

    @extend_schema_field(AdoptionSerializer(many=True))
    def get_adoptions(self, case: CaseStudy) -> list[dict]:
        return part_render("adoptions", case, self.context["actor"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case: CaseStudy) -> str:
        return self._absolute(reverse("api:case-detail", args=[case.uuid]))
