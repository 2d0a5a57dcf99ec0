from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from practices.api import views

router = SimpleRouter(trailing_slash=True)
router.register("cases", views.CaseStudyViewSet, basename="case")
router.register("taxonomies", views.TaxonomyViewSet, basename="taxonomy")

urlpatterns = [
    path("changes/", views.ChangeFeedView.as_view(), name="changes"),
    *router.urls,
]
