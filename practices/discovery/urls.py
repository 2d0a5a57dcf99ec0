"""Discovery pages (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.discovery import views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/terms/", views.case_terms, name="case-terms"),
]
