"""TAXII polling with added_after under concurrent writers, on PostgreSQL: nothing is missed.

Writers create and change GREEN cases in parallel, each transaction stalling for a moment after
taking its feed number and before committing (a reader sees later numbers meanwhile). A poller
asks the cases collection for what was added after the last ``X-TAXII-Date-Added-Last`` it saw,
over and over. When the writers stop and the poller has drained, it has seen every case at its
last version.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from practices.interop import selectors
from practices.models import CaseStudy
from practices.sync import feed
from tests.factories import CaseStudyFactory, OrganisationFactory
from tests.practices.interop.conftest import token_for
from tests.practices.interop.test_taxii import CASES, TAXII

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 3
WRITE_SECONDS = 3.0


def _writer(author_id: int, seed: int, deadline: float, failures: list[str]) -> None:
    rng = random.Random(seed)
    try:
        while time.monotonic() < deadline:
            with transaction.atomic():
                mine = list(CaseStudy.objects.filter(organisation_id=author_id)[:20])
                if mine and rng.random() < 0.5:
                    case = CaseStudy.objects.select_for_update().get(pk=rng.choice(mine).pk)
                    case.version += 1
                    case.summary = f"Version {case.version}"
                    case.save()
                else:
                    case = CaseStudyFactory(organisation_id=author_id, tlp="green")
                feed.change_record(case)
                time.sleep(rng.uniform(0.0, 0.15))  # committed late, after its number
    except Exception as exc:  # reported by the test
        failures.append(repr(exc))
    finally:
        connection.close()


def _poll(client: Client, since: str | None, seen: dict[str, int]) -> str | None:
    params = {"match[type]": "report", "limit": 50}
    if since:
        params["added_after"] = since
    while True:
        response = client.get(CASES + "objects/", params)
        assert response.status_code == 200, response.content
        body = response.json()
        for report in body.get("objects", []):
            seen[report["external_references"][0]["external_id"]] = report["x_cdpe_version"]
        if body.get("objects"):
            since = response["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            return since
        params["next"] = body["next"]


def test_a_poller_using_added_after_during_concurrent_writes_misses_nothing():
    author = OrganisationFactory(name="Writing Office")
    reader = OrganisationFactory(name="Polling Office")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(reader)}", HTTP_ACCEPT=TAXII)
    failures: list[str] = []
    deadline = time.monotonic() + WRITE_SECONDS
    threads = [
        threading.Thread(target=_writer, args=(author.pk, seed, deadline, failures))
        for seed in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    seen: dict[str, int] = {}
    since = None
    polls = 0
    while any(thread.is_alive() for thread in threads):
        since = _poll(client, since, seen)
        polls += 1
    for thread in threads:
        thread.join()
    since = _poll(client, since, seen)
    assert failures == []
    expected = {str(u): v for u, v in CaseStudy.objects.values_list("uuid", "version")}
    assert polls > 3
    assert len(expected) > 10
    assert seen == expected


def test_an_entry_committed_while_added_after_is_placed_is_not_counted_as_seen():
    """The poller's last date_added names the latest entry; an entry that another connection
    commits while that moment is placed in the feed comes after it, never before."""
    author = OrganisationFactory(name="Writing Office")
    with transaction.atomic():
        last_seen = feed.change_record(CaseStudyFactory(organisation=author, tlp="green"))

    def commit_another_entry():
        try:
            with transaction.atomic():
                feed.change_record(CaseStudyFactory(organisation=author, tlp="green"))
        finally:
            connection.close()

    reads = []

    def another_entry_after_each_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        reads.append(sql)
        writer = threading.Thread(target=commit_another_entry)
        writer.start()
        writer.join()
        return result

    with connection.execute_wrapper(another_entry_after_each_read):
        position = selectors.seq_after(last_seen.created_at)

    assert reads, "seq_after read nothing"
    assert position == last_seen.seq
    assert feed.last_seq() == last_seen.seq + len(reads)
