from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of our Bearer token authentication.
        from portal import api_schema  # noqa: F401
