"""Moderation pages.

``urlpatterns`` are the moderators' own (namespace ``moderation``, under /moderation/);
``case_urlpatterns`` are the workflow actions on a case page and ``audit_urlpatterns`` the audit
log (both in namespace ``practices``, gathered in ``practices/urls.py``).
"""

from __future__ import annotations

from django.urls import path

from practices.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("keywords/", views.keyword_list, name="keywords"),
    path("keywords/rename/", views.keyword_rename, name="keyword-rename"),
    path("keywords/merge/", views.keyword_merge, name="keyword-merge"),
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

case_urlpatterns = [
    path("cases/<uuid:uuid>/submit/", views.case_submit, name="case-submit"),
    path("cases/<uuid:uuid>/act/<slug:action>/", views.act, name="case-act"),
    path("cases/<uuid:uuid>/comment/", views.comment, name="case-comment"),
    path("cases/<uuid:uuid>/revision/", views.revision_start, name="revision-start"),
    path("cases/<uuid:uuid>/revision/submit/", views.revision_submit, name="revision-submit"),
    path("cases/<uuid:uuid>/revision/discard/", views.revision_discard, name="revision-discard"),
]

# The moderators' audit log keeps its historical name, practices:audit-log.
audit_urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
]
