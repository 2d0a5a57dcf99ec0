"""The pages of the ``practices`` namespace: case pages and the workflow actions on them."""

from __future__ import annotations

from practices.cases.urls import urlpatterns as case_pages
from practices.moderation.urls import case_urlpatterns as workflow_actions

app_name = "practices"

urlpatterns = [*case_pages, *workflow_actions]
