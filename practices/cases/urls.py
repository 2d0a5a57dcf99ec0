"""Case pages: our cases, the case, drafting and attachments (namespace ``practices``,
gathered in ``practices/urls.py``)."""

from __future__ import annotations

from django.urls import path

from practices.cases import views

urlpatterns = [
    path("cases/ours/", views.our_cases, name="our-cases"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case-detail"),
    path("cases/<uuid:uuid>/edit/<slug:section>/", views.case_edit, name="case-edit"),
    path("cases/<uuid:uuid>/delete/", views.case_delete, name="case-delete"),
    path("cases/<uuid:uuid>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "cases/<uuid:uuid>/attachments/<uuid:attachment_uuid>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "cases/<uuid:uuid>/attachments/<uuid:attachment_uuid>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
]
