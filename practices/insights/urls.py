"""Pages across cases (namespace ``practices``, gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path, re_path

from practices.insights import views

urlpatterns = [
    path("cases/<uuid:uuid>/links/", views.case_link_create, name="case-link-create"),
    path(
        "cases/<uuid:uuid>/links/<uuid:link_uuid>/delete/",
        views.case_link_delete,
        name="case-link-delete",
    ),
    path("matrix/", views.matrix_red, name="matrix"),
    path("matrix/blue/", views.matrix_blue, name="matrix-blue"),
    path("matrix/navigator-layer.json", views.matrix_navigator_layer, name="matrix-navigator"),
    path("insights/", views.insights, name="insights"),
    re_path(r"^insights/(?P<chart>[a-z]{1,20})\.csv$", views.insights_csv, name="insights-csv"),
    path("insights/theatres/", views.across_theatres, name="insights-theatres"),
    # Codes as the vocabularies write them: T0086, T0002.001, JP, threat actors' slugs.
    re_path(
        r"^what-worked/(?P<taxonomy>[a-z-]{1,40})/(?P<code>[A-Za-z0-9._-]{1,64})/$",
        views.what_worked,
        name="what-worked",
    ),
]
