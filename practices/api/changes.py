"""API v1 change feed: what changed since your cursor (see ``practices.sync.feed``)."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import limit_parse
from practices.api.cases import readable_cases
from practices.api.collections import collections_render
from practices.api.serializers import FeedPageSerializer
from practices.cases.rendering import cases_render
from practices.hub import collection_selectors
from practices.sync import feed
from practices.sync.models import CaseChange

FEED_MAX_LIMIT = 500


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _colon, seq = text.partition(":")
        if version != "v1":
            raise ValueError
        value = int(seq)
        if value < 0:
            raise ValueError
        return value
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise exceptions.ValidationError({"cursor": [_("This cursor is not valid.")]}) from exc


@extend_schema(tags=["sync"])
class ChangeFeedView(APIView):
    """What changed since your cursor, in order; see practices/sync/feed.py for the guarantees."""

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="From the previous page; omit to replay"),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": FEED_MAX_LIMIT, "default": 100},
                description=f"Entries to read, 1–{FEED_MAX_LIMIT} (default 100)",
            ),
        ],
        responses=FeedPageSerializer,
    )
    def get(self, request):
        after = (
            _decode_cursor(request.query_params["cursor"])
            if request.query_params.get("cursor")
            else 0
        )
        raw_limit = request.query_params.get("limit")
        limit = 100 if raw_limit is None else limit_parse(raw_limit, maximum=FEED_MAX_LIMIT)
        last_seq = feed.last_seq()
        if after > last_seq:
            # A cursor from the future (another instance, a restored backup) would silently
            # skip every change until the counter caught up: make the consumer replay instead.
            raise exceptions.ValidationError(
                {"cursor": [_("This cursor is ahead of the feed; start again without a cursor.")]}
            )
        if after == last_seq:
            # Nothing new (the common poll): the counter's one row answers, nothing else.
            return Response(
                {"results": [], "next_cursor": _encode_cursor(after), "has_more": False}
            )
        page = feed.feed_page(
            actor=request.user,
            after=after,
            limit=limit,
            readable=readable_cases(request.user),
            readable_collections=collection_selectors.collection_queryset(actor=request.user),
        )
        # The whole page rendered at once: one query per relation, not per entry.
        cases = [item.case for item in page.items if item.case is not None]
        shaped = iter(cases_render(cases, actor=request.user, request=request))
        collections = [item.collection for item in page.items if item.collection is not None]
        shaped_collections = iter(
            collections_render(collections, actor=request.user, request=request)
        )
        results = []
        for item in page.items:
            if item.kind == CaseChange.Kind.COLLECTION:
                results.append(
                    {
                        "type": "collection",
                        "seq": item.seq,
                        "uuid": item.case_uuid,
                        "deleted": item.collection is None,
                        "case": None,
                        "collection": next(shaped_collections)
                        if item.collection is not None
                        else None,
                    }
                )
                continue
            results.append(
                {
                    "type": "case",
                    "seq": item.seq,
                    "uuid": item.case_uuid,
                    "deleted": item.case is None,
                    "case": next(shaped) if item.case is not None else None,
                }
            )
        return Response(
            {
                "results": results,
                "next_cursor": _encode_cursor(page.last_seq),
                "has_more": page.has_more,
            }
        )
