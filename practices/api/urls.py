from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from practices.api import cases, changes, facets, vocabularies

router = SimpleRouter(trailing_slash=True)
router.register("cases", cases.CaseStudyViewSet, basename="case")
router.register("taxonomies", vocabularies.TaxonomyViewSet, basename="taxonomy")

urlpatterns = [
    path("changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("cases/facets/", facets.CaseFacetsView.as_view(), name="case-facets"),
    *router.urls,
]
