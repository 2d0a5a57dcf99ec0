from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        # Register the OpenAPI description of our Bearer token authentication and the
        # deployment checks (``check --deploy``), and the ``__any`` lookup.
        from portal import api_schema, checks, lookups  # noqa: F401

        lookups.register()
