"""API v1 routes of the exports (``practices.interop.api``), listed before the case routes in
portal/urls.py so that ``cases/stix/`` is not read as a case's uuid."""

from __future__ import annotations

from django.urls import path

from practices.interop import api

urlpatterns = [
    path("cases/stix/", api.CaseSearchStixView.as_view(), name="case-stix-search"),
    path("cases/<uuid:uuid>/stix/", api.CaseStixView.as_view(), name="case-stix"),
    path("cases/<uuid:uuid>/misp/", api.CaseMispView.as_view(), name="case-misp"),
]
