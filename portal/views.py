from __future__ import annotations

from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularSwaggerSplitView

from portal.health import health_report


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Status of the database, cache and broker for load balancers and monitors.

    Open to anyone (monitors do not sign in); it names no host, version or error text.
    """
    checks = health_report()
    healthy = all(state in ("ok", "eager") for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 as a problem document under /api/, as the site's page elsewhere."""
    if request.path.startswith("/api/"):
        from portal.api_errors import not_found_json

        return not_found_json(request, exception)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


# Swagger UI sets some styles inline; allow that on this one page only.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)
