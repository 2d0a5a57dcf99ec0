from __future__ import annotations

from django.urls import path

from practices.sync import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<uuid:uuid>/", views.endpoint_detail, name="detail"),
    path("<uuid:uuid>/test/", views.endpoint_ping, name="ping"),
    path("<uuid:uuid>/deactivate/", views.endpoint_deactivate, name="deactivate"),
    path("<uuid:uuid>/delete/", views.endpoint_delete, name="delete"),
    path("<uuid:uuid>/events/<uuid:event_uuid>/", views.event_detail, name="event"),
    path(
        "<uuid:uuid>/events/<uuid:event_uuid>/redeliver/",
        views.event_redeliver,
        name="redeliver",
    ),
]
