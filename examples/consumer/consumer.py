#!/usr/bin/env python3
"""Reference consumer for the Practice Exchange change feed: keep a local SQLite copy.

    python consumer.py --base-url https://exchange.example.org --token cdpe_… --db copy.sqlite3

follows ``GET /api/v1/changes/`` into the table ``cases`` (one row per case the token may read)
and keeps following, polling every ``--interval`` seconds; ``--once`` reads until the feed is
drained and exits. The token may also come from the ``EXCHANGE_TOKEN`` environment variable,
which keeps it out of the process list.

What it does, and why (see README.md for the feed contract):

- Each page is applied in one SQLite transaction together with the cursor that follows it, so
  a restart resumes exactly where the last complete page ended — never past an unapplied entry.
- An entry carries the case as the token may read it *now*; a tombstone (``deleted: true``)
  means the copy must drop it (withdrawn, TLP raised, a recipient removed, a draft deleted).
- Entries have a ``type``: "case", or "collection" (a curated collection, with only the cases
  the token may read); collections go to their own table, ``collections``.
- Delivery is at least once: an entry may come again; applying it twice changes nothing.
- 429 answers are waited out for ``Retry-After`` seconds; network errors and 5xx answers are
  retried with exponential back-off and jitter. Other errors stop the program with the reason
  (a revoked token, a cursor the server does not know) — retrying would not fix them.
- Redirects are refused: following one would send the token to wherever it points.

``verify_webhook`` checks a webhook delivery's signature the way the portal makes it.

Standard library only (Python 3.11+), so it can be copied as it is.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import hmac
import json
import logging
import os
import random
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPException

__all__ = [
    "FeedClient",
    "FeedError",
    "SyncResult",
    "apply_page",
    "main",
    "open_copy",
    "sync",
    "verify_webhook",
]

FEED_PATH = "/api/v1/changes/"
USER_AGENT = "practice-exchange-reference-consumer/1.0"
SIGNATURE_HEADER = "X-Exchange-Signature"
TIMESTAMP_HEADER = "X-Exchange-Timestamp"
SIGNATURE_TOLERANCE_SECONDS = 300
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
RETRIED_STATUSES = {500, 502, 503, 504}

log = logging.getLogger("exchange-consumer")

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    uuid TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collections (
    uuid TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class FeedError(Exception):
    """An answer that retrying will not change: fix the cause, then run again."""


# --- Talking to the portal ------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise FeedError(
            f"The server redirected to {newurl}; refusing to follow with the token. "
            "Use the final address as --base-url."
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _problem_detail(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read() or b"{}")
    except (ValueError, OSError):
        return error.reason or ""
    detail = body.get("detail", "") if isinstance(body, dict) else ""
    errors = body.get("errors") if isinstance(body, dict) else None
    return f"{detail} {json.dumps(errors)}" if errors else str(detail)


@dataclass
class FeedClient:
    """Reads feed pages, waiting out rate limits and retrying transient failures."""

    base_url: str
    token: str
    timeout: float = 30.0
    max_attempts: int = 8
    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(_NoRedirects)
    )

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.base_url)
        plain_allowed = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if parts.scheme != "https" and not plain_allowed:
            raise ValueError(
                "Use an https:// base URL: the token must not travel in clear text "
                "(http:// is accepted for localhost only, for trying things out)."
            )
        self.base_url = self.base_url.rstrip("/")

    def _backoff(self, attempt: int) -> float:
        # Full jitter: consumers that failed together do not all come back together.
        ceiling = min(self.backoff_cap_seconds, self.backoff_seconds * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - timing, not security

    def get_page(self, cursor: str, limit: int) -> dict:
        """One page after ``cursor`` ("" replays from the start)."""
        query = {"limit": str(limit)}
        if cursor:
            query["cursor"] = cursor
        url = f"{self.base_url}{FEED_PATH}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __post_init__
            url,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        for attempt in range(self.max_attempts):
            last = attempt == self.max_attempts - 1
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code == 429 or error.code in RETRIED_STATUSES:
                    if last:
                        raise FeedError(
                            f"Gave up after {self.max_attempts} attempts: {error}"
                        ) from error
                    wait = _retry_after(error.headers.get("Retry-After"))
                    error.close()
                    if wait is None:
                        wait = self._backoff(attempt)
                    log.warning("HTTP %s; retrying in %.1f s", error.code, wait)
                    self.sleep(wait)
                    continue
                detail = _problem_detail(error)
                if error.code == 401:
                    raise FeedError(
                        f"The token was refused (unknown, revoked or expired): {detail}"
                    ) from error
                if error.code == 400 and "cursor" in detail:
                    raise FeedError(
                        f"The server does not accept the stored cursor: {detail} "
                        "Start a fresh copy (a new --db file) to replay the feed."
                    ) from error
                raise FeedError(f"HTTP {error.code}: {detail}") from error
            except (urllib.error.URLError, HTTPException, OSError, ValueError) as error:
                # URLError covers refused connections and DNS; OSError timeouts and resets;
                # ValueError a body cut off mid-way. All may pass: try again, more slowly.
                if last:
                    raise FeedError(
                        f"Gave up after {self.max_attempts} attempts: {error}"
                    ) from error
                wait = self._backoff(attempt)
                log.warning("%s; retrying in %.1f s", error, wait)
                self.sleep(wait)
        raise AssertionError("unreachable")


# --- The local copy -------------------------------------------------------------------------


def open_copy(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (or create) the SQLite copy."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    return db


def stored_cursor(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
    return row[0] if row else ""


def apply_page(db: sqlite3.Connection, page: Mapping) -> tuple[int, int]:
    """Apply one page and store the cursor after it, all in one transaction.

    Returns (cases written, cases removed). A crash before the commit leaves the copy and the
    cursor as they were, so the page is simply read again.
    """
    written = removed = 0
    with db:  # one transaction: commit on success, roll back on any error
        for entry in page["results"]:
            if entry.get("type", "case") == "collection":
                _apply_collection(db, entry)
                continue
            if entry["deleted"]:
                db.execute("DELETE FROM cases WHERE uuid = ?", (entry["uuid"],))
                removed += 1
                continue
            case = entry["case"]
            db.execute(
                """
                INSERT INTO cases (uuid, version, status, tlp, title, json)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (uuid) DO UPDATE SET
                    version = excluded.version, status = excluded.status, tlp = excluded.tlp,
                    title = excluded.title, json = excluded.json
                """,
                (
                    entry["uuid"],
                    case["version"],
                    case["status"],
                    case["tlp"],
                    case["title"],
                    json.dumps(case, ensure_ascii=False, sort_keys=True),
                ),
            )
            written += 1
        db.execute(
            "INSERT INTO sync_state (key, value) VALUES ('cursor', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (page["next_cursor"],),
        )
    return written, removed


def _apply_collection(db: sqlite3.Connection, entry: Mapping) -> None:
    """A collection entry: kept in its own table (its ``items`` list only the cases this token
    may read); a tombstone drops it. Consumers that want cases only may skip these entries."""
    if entry["deleted"]:
        db.execute("DELETE FROM collections WHERE uuid = ?", (entry["uuid"],))
        return
    collection = entry["collection"]
    db.execute(
        """
        INSERT INTO collections (uuid, version, tlp, title, json) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (uuid) DO UPDATE SET
            version = excluded.version, tlp = excluded.tlp, title = excluded.title,
            json = excluded.json
        """,
        (
            entry["uuid"],
            collection["version"],
            collection["tlp"],
            collection["title"],
            json.dumps(collection, ensure_ascii=False, sort_keys=True),
        ),
    )


@dataclass
class SyncResult:
    pages: int = 0
    written: int = 0
    removed: int = 0
    cursor: str = ""


def sync(
    *,
    base_url: str,
    token: str,
    db_path: str | os.PathLike,
    limit: int = 100,
    client: FeedClient | None = None,
) -> SyncResult:
    """Read the feed from the stored cursor until it is drained; returns what was done."""
    client = client or FeedClient(base_url=base_url, token=token)
    db = open_copy(db_path)
    try:
        result = SyncResult(cursor=stored_cursor(db))
        while True:
            page = client.get_page(result.cursor, limit)
            written, removed = apply_page(db, page)
            result.pages += 1
            result.written += written
            result.removed += removed
            result.cursor = page["next_cursor"]
            # A page may be empty and still not the last: entries about cases this token
            # cannot see advance the cursor without showing anything. Follow has_more only.
            if not page["has_more"]:
                return result
    finally:
        db.close()


# --- Webhooks -------------------------------------------------------------------------------


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: float | None = None,
    tolerance_seconds: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """True only if the delivery was signed with ``secret`` within ``tolerance_seconds``.

    ``body`` must be the raw bytes received, before any JSON parsing. The signature header is
    ``v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``; it may hold several values
    separated by commas (while a secret is rotated), and one must match. Comparison is in
    constant time; timestamps too far from ``now`` are refused so a captured delivery cannot
    be replayed later.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signatures = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit() or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    if isinstance(body, str):
        body = body.encode()
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    expected = "v1=" + digest.hexdigest()
    matches = [hmac.compare_digest(value.strip(), expected) for value in signatures.split(",")]
    return any(matches)


# --- Command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. https://exchange.example.org")
    parser.add_argument(
        "--token",
        default=os.environ.get("EXCHANGE_TOKEN"),
        help="API token (cdpe_…); default: $EXCHANGE_TOKEN",
    )
    parser.add_argument("--db", required=True, help="SQLite file of the copy")
    parser.add_argument("--once", action="store_true", help="drain the feed and exit")
    parser.add_argument("--interval", type=float, default=60, help="seconds between polls")
    parser.add_argument("--limit", type=int, default=100, help="entries per page (1–500)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set EXCHANGE_TOKEN")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    client = FeedClient(base_url=args.base_url, token=args.token)
    while True:
        try:
            result = sync(
                base_url=args.base_url,
                token=args.token,
                db_path=args.db,
                limit=args.limit,
                client=client,
            )
        except FeedError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        log.info(
            "%d page(s): %d case(s) written, %d removed",
            result.pages,
            result.written,
            result.removed,
        )
        if args.once:
            return 0
        try:
            time.sleep(args.interval)
        except KeyboardInterrupt:
            return 130  # stopped between polls: the copy and its cursor are consistent


if __name__ == "__main__":
    sys.exit(main())
