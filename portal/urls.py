from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from portal import views


def _no_signup(request, *args, **kwargs):
    # There is no public sign-up: people join by invitation only.
    raise Http404


urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The switcher posts here; ours saves a signed-in person's choice, then does Django's.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/signup/", _no_signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("practices.urls")),
    path("moderation/", include("practices.moderation.urls")),
    path("organisation/webhooks/", include("practices.sync.urls")),
    path("admin/", admin.site.urls),
    path(
        "api/v1/",
        include(
            (
                [
                    # Before the case routes: "cases/stix/" is not a case's uuid.
                    *include("practices.interop.api_urls")[0].urlpatterns,
                    *include("practices.api.urls")[0].urlpatterns,
                    *include("accounts.api.urls")[0].urlpatterns,
                ],
                "api",
            ),
        ),
    ),
    path("", include("practices.interop.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", views.api_docs, name="api-docs"),
]

handler404 = "portal.views.not_found"
handler500 = "portal.unavailable.server_error"
