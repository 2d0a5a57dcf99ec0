"""Collection pages (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.hub import collection_views as views

urlpatterns = [
    path("collections/", views.collection_list, name="collection-list"),
    path("collections/new/", views.collection_create, name="collection-create"),
    path("collections/<uuid:uuid>/", views.collection_detail, name="collection-detail"),
    path("collections/<uuid:uuid>/curate/", views.collection_curate, name="collection-curate"),
    path("collections/<uuid:uuid>/publish/", views.collection_publish, name="collection-publish"),
    path(
        "collections/<uuid:uuid>/cases/add/",
        views.collection_item_add,
        name="collection-item-add",
    ),
    path(
        "collections/<uuid:uuid>/cases/<uuid:case_uuid>/remove/",
        views.collection_item_remove,
        name="collection-item-remove",
    ),
    path(
        "collections/<uuid:uuid>/cases/<uuid:case_uuid>/move/<slug:direction>/",
        views.collection_item_move,
        name="collection-item-move",
    ),
    path(
        "collections/<uuid:uuid>/cases/<uuid:case_uuid>/note/",
        views.collection_item_note,
        name="collection-item-note",
    ),
]
