"""Adoption pages (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.hub import adoption_views as views

urlpatterns = [
    path("cases/<uuid:uuid>/adoptions/new/", views.adoption_create, name="adoption-create"),
    path(
        "cases/<uuid:uuid>/adoptions/<uuid:adoption_uuid>/edit/",
        views.adoption_edit,
        name="adoption-edit",
    ),
    path(
        "cases/<uuid:uuid>/adoptions/<uuid:adoption_uuid>/delete/",
        views.adoption_delete,
        name="adoption-delete",
    ),
]
