"""Pages of access requests (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.hub import access_views as views

urlpatterns = [
    path("hub/access/", views.stub_list, name="access-stub-list"),
    path("hub/access/cases/<uuid:uuid>/", views.stub_detail, name="access-stub-detail"),
    path("hub/access/requests/", views.requests_ours, name="access-requests-ours"),
    path("hub/access/incoming/", views.requests_incoming, name="access-requests-incoming"),
    path("hub/access/requests/<uuid:uuid>/", views.request_detail, name="access-request-detail"),
    path(
        "hub/access/requests/<uuid:uuid>/decide/",
        views.request_decide,
        name="access-request-decide",
    ),
    path(
        "hub/access/requests/<uuid:uuid>/withdraw/",
        views.request_withdraw,
        name="access-request-withdraw",
    ),
]
