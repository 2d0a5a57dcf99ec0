"""Reads of collections. A collection comes from ``Collection.objects.visible_to``; its member
cases from ``CaseStudy.objects.for_reader`` — so each reader sees only the cases (and their
notes) they may read, and nothing, not even a count, of the others."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import Organisation
from practices.cases.models import CaseStudy
from practices.hub.collection_models import Collection, CollectionItem
from practices.vocabularies.models import Term

_TERMS = Prefetch("terms", queryset=Term.objects.select_related("taxonomy"))
_PARTICIPANTS = Prefetch("participants", queryset=Organisation.objects.order_by("name"))


def collection_list(*, actor) -> QuerySet[Collection]:
    """Collections the actor may read, newest first, each with ``visible_count``: how many of
    its cases *this* reader may read (never the total)."""
    readable = CaseStudy.objects.visible_to(actor).values("pk")
    return (
        Collection.objects.visible_to(actor)
        .annotate(visible_count=Count("items", filter=Q(items__case__in=readable)))
        .prefetch_related(_PARTICIPANTS)
        .order_by("-published_at", "-created_at", "-id")
    )


def collections_recent(*, actor, limit: int = 3) -> list[Collection]:
    """The newest published collections the actor may read (the home page's section)."""
    return list(collection_list(actor=actor).published()[:limit])


def collection_queryset(*, actor) -> QuerySet[Collection]:
    """Collections the actor may read, their participants loaded (the API's queryset)."""
    return Collection.objects.visible_to(actor).prefetch_related(_PARTICIPANTS)


def collection_get(*, actor, uuid) -> Collection:
    """One collection the actor may read, or 404 — the same 404 as for one that does not exist."""
    collection = collection_queryset(actor=actor).filter(uuid=uuid).first()
    if collection is None:
        raise Http404("No collection here.")
    return collection


def collection_items_visible(
    *, actor, collections: Iterable[Collection], with_terms: bool = True
) -> dict[int, list[CollectionItem]]:
    """For each collection, its items whose case the actor may read, in order, each with
    ``item.case`` from ``for_reader`` (anonymisation decided) and ``item.shown_position``
    (1..n among *these* items: the stored positions would betray the gaps).

    A constant number of queries whatever the number of collections and cases: the items
    (filtered by the case rule in the database), their cases, and the cases' terms.
    """
    collections = list(collections)
    out: dict[int, list[CollectionItem]] = {c.pk: [] for c in collections}
    if not collections:
        return out
    readable = CaseStudy.objects.for_reader(actor)
    if with_terms:
        readable = readable.prefetch_related(_TERMS)
    items = (
        CollectionItem.objects.filter(
            collection_id__in=list(out),
            case__in=CaseStudy.objects.visible_to(actor).values("pk"),
        )
        .prefetch_related(Prefetch("case", queryset=readable))
        .order_by("collection_id", "position", "pk")
    )
    for item in items:
        shown = out[item.collection_id]
        item.shown_position = len(shown) + 1
        shown.append(item)
    return out
