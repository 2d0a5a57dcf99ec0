from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {
        "PUBLIC_VIEW_ENABLED": settings.PUBLIC_VIEW_ENABLED,
        # Each named in itself, untranslated: the switcher must read "English", not "Anglais".
        "INTERFACE_LANGUAGES": settings.LANGUAGES,
    }
