"""Discovery pages (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.discovery import export, saved, views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/terms/", views.case_terms, name="case-terms"),
    path("cases/export.csv", export.case_list_csv, name="case-list-csv"),
    path("saved-searches/", saved.saved_search_list, name="saved-search-list"),
    path("saved-searches/new/", saved.saved_search_create, name="saved-search-create"),
    path("saved-searches/<uuid:uuid>/", saved.saved_search_edit, name="saved-search-edit"),
    path(
        "saved-searches/<uuid:uuid>/delete/", saved.saved_search_delete, name="saved-search-delete"
    ),
    path(
        "saved-searches/unsubscribe/<str:token>/",
        saved.saved_search_unsubscribe,
        name="saved-search-unsubscribe",
    ),
]
