from __future__ import annotations

from django.urls import path

from practices import moderation_views, views

app_name = "practices"

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/ours/", views.our_cases, name="our-cases"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<uuid:uuid>/", views.case_detail, name="case-detail"),
    path("cases/<uuid:uuid>/edit/<slug:section>/", views.case_edit, name="case-edit"),
    path("cases/<uuid:uuid>/submit/", views.case_submit, name="case-submit"),
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
    path("cases/<uuid:uuid>/act/<slug:action>/", moderation_views.act, name="case-act"),
    path("cases/<uuid:uuid>/comment/", moderation_views.comment, name="case-comment"),
    path("cases/<uuid:uuid>/revision/", moderation_views.revision_start, name="revision-start"),
    path(
        "cases/<uuid:uuid>/revision/submit/",
        moderation_views.revision_submit,
        name="revision-submit",
    ),
    path(
        "cases/<uuid:uuid>/revision/discard/",
        moderation_views.revision_discard,
        name="revision-discard",
    ),
    path("audit/", views.audit_log, name="audit-log"),
]
