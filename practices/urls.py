"""The pages of the ``practices`` namespace: case pages, the workflow actions on them, the
pages across cases (matrix, "what worked") and the moderators' audit log."""

from __future__ import annotations

from practices.cases.urls import urlpatterns as case_pages
from practices.discovery.urls import urlpatterns as discovery_pages
from practices.hub.access_urls import urlpatterns as access_pages
from practices.hub.adoption_urls import urlpatterns as adoption_pages
from practices.hub.collection_urls import urlpatterns as collection_pages
from practices.insights.urls import urlpatterns as insight_pages
from practices.moderation.urls import audit_urlpatterns as audit_log
from practices.moderation.urls import case_urlpatterns as workflow_actions

app_name = "practices"

urlpatterns = [
    *discovery_pages,
    *collection_pages,
    *insight_pages,
    *case_pages,
    *adoption_pages,
    *workflow_actions,
    *audit_log,
    *access_pages,
]
