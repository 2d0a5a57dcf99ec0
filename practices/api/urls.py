from __future__ import annotations

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from practices.api import (
    adoptions,
    cases,
    changes,
    collections,
    facets,
    insights,
    links,
    vocabularies,
)

router = SimpleRouter(trailing_slash=True)
router.register("cases", cases.CaseStudyViewSet, basename="case")
router.register("collections", collections.CollectionViewSet, basename="collection")
router.register("taxonomies", vocabularies.TaxonomyViewSet, basename="taxonomy")

urlpatterns = [
    path("changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("cases/facets/", facets.CaseFacetsView.as_view(), name="case-facets"),
    path("cases/<uuid:uuid>/similar/", links.SimilarCasesView.as_view(), name="case-similar"),
    path("cases/<uuid:uuid>/links/", links.CaseLinksView.as_view(), name="case-links"),
    path(
        "cases/<uuid:uuid>/links/<uuid:link_uuid>/",
        links.CaseLinkDetailView.as_view(),
        name="case-link",
    ),
    path(
        "cases/<uuid:uuid>/adoptions/",
        adoptions.CaseAdoptionsView.as_view(),
        name="case-adoptions",
    ),
    path(
        "cases/<uuid:uuid>/adoptions/<uuid:adoption_uuid>/",
        adoptions.CaseAdoptionDetailView.as_view(),
        name="case-adoption",
    ),
    path("matrix/", insights.MatrixView.as_view(), name="matrix"),
    path("matrix/counters/", insights.CounterUseView.as_view(), name="matrix-counters"),
    path("insights/", insights.InsightsView.as_view(), name="insights"),
    path("insights/theatres/", insights.AcrossTheatresView.as_view(), name="insights-theatres"),
    re_path(
        r"^what-worked/(?P<taxonomy>[a-z-]{1,40})/(?P<code>[A-Za-z0-9._-]{1,64})/$",
        insights.WhatWorkedView.as_view(),
        name="what-worked",
    ),
    *router.urls,
]
