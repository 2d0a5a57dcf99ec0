from __future__ import annotations

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language
from drf_spectacular.views import SpectacularSwaggerSplitView

from portal.health import health_report
from portal.homes import home_context


def home(request: HttpRequest) -> HttpResponse:
    """The visitors' introduction, or for a signed-in person the panels of their roles."""
    return render(request, "home.html", home_context(actor=request.user))


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


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's ``set_language`` (cookie, redirect to ``next``);
    for a signed-in person the choice is also saved as their preference, so their pages on
    any device and the e-mail sent to them follow it."""
    response = django_set_language(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
        and user.language != language
    ):
        user.language = language
        user.save(update_fields=["language"])
    return response


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
