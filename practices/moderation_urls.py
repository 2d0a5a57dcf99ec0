from __future__ import annotations

from django.urls import path

from practices import moderation_views as views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<uuid:uuid>/", views.review, name="review"),
    path("cases/<uuid:uuid>/claim/", views.claim, name="claim"),
    path("cases/<uuid:uuid>/unclaim/", views.unclaim, name="unclaim"),
    path("cases/<uuid:uuid>/tags/", views.retag, name="retag"),
    path(
        "cases/<uuid:uuid>/revision/<slug:decision>/",
        views.revision_decide,
        name="revision-decide",
    ),
]
