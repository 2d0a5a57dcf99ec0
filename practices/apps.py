from __future__ import annotations

from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Case studies"

    def ready(self) -> None:
        # Cases announce their changes; the change feed, a room above them, records them.
        from practices.cases import changes
        from practices.sync import feed

        changes.recorder_install(feed.change_record)
