"""TAXII 2.1 (``/taxii2/``) and the MISP feed (``/feeds/misp/``), included from portal/urls.py."""

from __future__ import annotations

from django.urls import path

from practices.interop import feeds, taxii

app_name = "taxii"

COLLECTION = "api/collections/<str:collection_id>/"

urlpatterns = [
    path("taxii2/", taxii.discovery, name="discovery"),
    path("taxii2/api/", taxii.api_root, name="api-root"),
    path("taxii2/api/collections/", taxii.collections, name="collections"),
    path(f"taxii2/{COLLECTION}", taxii.collection, name="collection"),
    path(f"taxii2/{COLLECTION}objects/", taxii.objects, name="objects"),
    path(f"taxii2/{COLLECTION}manifest/", taxii.manifest, name="manifest"),
    path(f"taxii2/{COLLECTION}objects/<str:object_id>/", taxii.object_detail, name="object"),
    path(
        f"taxii2/{COLLECTION}objects/<str:object_id>/versions/",
        taxii.object_versions,
        name="versions",
    ),
    path("feeds/misp/manifest.json", feeds.manifest, name="misp-manifest"),
    path("feeds/misp/<uuid:uuid>.json", feeds.event, name="misp-event"),
]
