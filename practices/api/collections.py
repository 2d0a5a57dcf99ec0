"""API v1 for collections (read-only): the collections you may read, each with only the member
cases you may read (``practices.hub.collection_selectors``)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from portal.api import CasePagination
from practices.cases.markdown import render_markdown
from practices.cases.models import CaseStudy
from practices.cases.rendering import originator_render
from practices.cases.representation import OriginatorSerializer
from practices.hub import collection_selectors as selectors
from practices.hub.collection_models import Collection


class CollectionCaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.URLField(help_text="The case in the API (GET it for the whole case).")
    title = serializers.CharField()
    tlp = serializers.ChoiceField(CaseStudy.TLP.choices)
    status = serializers.ChoiceField(CaseStudy.Status.choices)
    originator = OriginatorSerializer()


class CollectionItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        min_value=1, help_text="1, 2, 3 … among the cases you may read, in the curator's order."
    )
    note = serializers.CharField(
        help_text="The curator's note on this case (Markdown); may be empty."
    )
    case = CollectionCaseSerializer()


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField()
    slug = serializers.CharField()


class WorkshopSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    place = serializers.CharField()
    participants = ParticipantSerializer(many=True)


# Changing this docstring changes the schema (it is the component's description).
class CollectionSerializer(serializers.Serializer):
    """A curated collection as the requester may see it: only the cases they may read are
    listed (with their notes); nothing of the others appears."""

    uuid = serializers.UUIDField()
    url = serializers.URLField()
    version = serializers.IntegerField(
        help_text="Moves with the collection's own fields (title, synthesis, TLP, status, "
        "workshop); the items are listed as they are now."
    )
    status = serializers.ChoiceField(Collection.Status.choices)
    tlp = serializers.ChoiceField(Collection.TLP.choices)
    title = serializers.CharField()
    synthesis = serializers.CharField(help_text="Markdown, as written.")
    synthesis_html = serializers.CharField(help_text="The synthesis rendered and sanitised.")
    workshop = WorkshopSerializer()
    items = CollectionItemSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class _Links:
    """Absolute links reversed once per page, with the uuid substituted (as cases do)."""

    _STAND_IN = "00000000-0000-4000-8000-0000000000cc"

    def __init__(self, request) -> None:
        def absolute(name: str) -> list[str]:
            path = reverse(name, args=[self._STAND_IN])
            return request.build_absolute_uri(path).split(self._STAND_IN)

        self._collection = absolute("api:collection-detail")
        self._case = absolute("api:case-detail")

    def collection(self, uuid) -> str:
        return str(uuid).join(self._collection)

    def case(self, uuid) -> str:
        return str(uuid).join(self._case)


def collections_render(collections, *, actor, request) -> list[dict]:
    """Collections from ``Collection.objects.visible_to(actor)`` with the cases ``actor`` may
    read, in a constant number of queries (participants prefetched by the caller)."""
    collections = list(collections)
    items = selectors.collection_items_visible(
        actor=actor, collections=collections, with_terms=False
    )
    links = _Links(request)
    field = serializers.DateTimeField()
    out = []
    for collection in collections:
        out.append(
            {
                "uuid": str(collection.uuid),
                "url": links.collection(collection.uuid),
                "version": collection.version,
                "status": collection.status,
                "tlp": collection.tlp,
                "title": collection.title,
                "synthesis": collection.synthesis,
                "synthesis_html": str(render_markdown(collection.synthesis)),
                "workshop": {
                    "date": collection.workshop_date.isoformat()
                    if collection.workshop_date
                    else None,
                    "place": collection.workshop_place,
                    "participants": [
                        {"name": o.name, "short_name": o.short_name, "slug": o.slug}
                        for o in collection.participants.all()
                    ],
                },
                "items": [
                    {
                        "position": item.shown_position,
                        "note": item.note,
                        "case": {
                            "uuid": str(item.case.uuid),
                            "url": links.case(item.case.uuid),
                            "title": item.case.title,
                            "tlp": item.case.tlp,
                            "status": item.case.status,
                            "originator": originator_render(item.case),
                        },
                    }
                    for item in items[collection.pk]
                ],
                "created_at": field.to_representation(collection.created_at),
                "updated_at": field.to_representation(collection.updated_at),
                "published_at": field.to_representation(collection.published_at)
                if collection.published_at
                else None,
            }
        )
    return out


class CollectionPagination(CasePagination):
    example_path = "/api/v1/collections/"


@extend_schema(tags=["collections"])
class CollectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Collections curated by the hub's moderators that you may read (read-only)."""

    lookup_field = "uuid"
    serializer_class = CollectionSerializer
    pagination_class = CollectionPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.collection_queryset(actor=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            collections_render(page, actor=request.user, request=request)
        )

    def retrieve(self, request, *args, **kwargs):
        collection = self.get_object()
        return Response(collections_render([collection], actor=request.user, request=request)[0])
