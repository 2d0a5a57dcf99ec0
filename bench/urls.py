"""The portal's URLs and ``/bench/constant/``: a Django view answering a constant JSON body,
served by the same gunicorn as the API in ``bench/api.py``'s requests-per-second figures."""

from django.http import JsonResponse
from django.urls import include, path

CONSTANT = {"count": 1, "results": [{"title": "constant", "tags": ["a", "b"]}]}


def constant(request):
    return JsonResponse(CONSTANT)


urlpatterns = [
    path("bench/constant/", constant),
    path("", include("portal.urls")),
]
