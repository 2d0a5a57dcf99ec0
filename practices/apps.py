from __future__ import annotations

from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = "Case studies"

    def ready(self) -> None:
        from django.http import multipartparser

        # Django's multipart parser refuses a part whose headers pass 1 KiB with a bare
        # "Bad Request (400)" before any view runs; a long file name (1 000 characters, or a
        # few hundred non-Latin ones) is enough. At 8 KiB the upload reaches the attachment
        # service, which shortens the name and keeps the extension.
        multipartparser.MAX_TOTAL_HEADER_SIZE = max(multipartparser.MAX_TOTAL_HEADER_SIZE, 8192)
        # Lower rooms announce their changes on hooks; the rooms above listen (practices/hooks.py).
        from practices.cases.changes import case_changed
        from practices.cases.rendering import part_install
        from practices.discovery import search
        from practices.hub import collection_services
        from practices.hub.adoption_rendering import ADOPTIONS
        from practices.insights.warming import aggregates_warm_after_commit
        from practices.sync import feed
        from practices.vocabularies.changes import terms_relabelled

        case_changed.install(feed.change_record)
        case_changed.install(search.search_index_case_changed)
        # A member case's change alters what its collections show: they get feed entries too.
        case_changed.install(collection_services.collections_case_changed)
        # Last: after the feed has its new number, the shared aggregates are rebuilt for it.
        case_changed.install(aggregates_warm_after_commit)
        terms_relabelled.install(search.search_index_terms_relabelled)
        # The hub's adoptions are part of a case as the API, the feed and webhooks show it.
        part_install(ADOPTIONS)
