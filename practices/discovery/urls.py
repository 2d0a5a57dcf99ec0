"""Discovery pages (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.discovery import export, views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/export.csv", export.case_list_csv, name="case-list-csv"),
]
