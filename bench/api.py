#!/usr/bin/env python
"""Benchmark of the API against the configured database; prints figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdpe_bench .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --cases 2000 --repeat 20     # quicker

It migrates the database, loads the demo organisations and vocabularies, seeds N published
and draft cases (marked "[bench]"; --cleanup removes them), then measures through Django's
test client (no network): a list page, a detail, a feed page, a full feed replay and an empty
poll of the feed, each next to a floor — the same content built by one hand-written PostgreSQL
query (bench/floors.py; the replay's, one per page) — and the ratio between the two (--check
first compares each floor's content with the API's); the replay's cases per second and the
peak of Python memory during a replay (tracemalloc, in a second replay so that tracing does not
slow the timed one). Where ``wrk`` is installed (Debian package), it then serves the portal
with gunicorn (portal/gunicorn.conf.py, bench/settings.py) and reports the list endpoint's
requests per second at 2 and 8 connections next to a constant-JSON view of the same gunicorn.
Run with DEBUG=false (the default here).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
import uuid
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from accounts.models import Organisation
from accounts.services import api_token_create
from bench import floors as floors_sql
from practices.hub.models import Adoption
from practices.models import Attachment, CaseChange, CaseStudy, FeedCounter, Reference, Term

MARK = "[bench]"


def seed(count: int) -> None:
    """Bulk-insert cases with tags and feed entries; idempotent by count of marked cases."""
    existing = CaseStudy.objects.filter(title__startswith=MARK).count()
    if existing >= count:
        print(f"seed: {existing} bench cases already there")
        statistics_refresh()
        return
    organisations = list(Organisation.objects.filter(is_demo=True))
    terms = list(Term.objects.filter(taxonomy__slug__in=["country", "region", "disarm-red"]))
    rng = random.Random(7)
    started = time.perf_counter()
    with transaction.atomic():
        cases = [
            CaseStudy(
                uuid=uuid.uuid4(),
                organisation=rng.choice(organisations),
                title=f"{MARK} case {i}",
                summary="A fictional incident used for benchmarking. " * 3,
                incident="Text of the incident. " * 40,
                response="Text of the response. " * 40,
                outcome="Text of the outcome. " * 20,
                status=rng.choices(["published", "draft"], weights=[9, 1])[0],
                tlp=rng.choices(["clear", "green", "amber"], weights=[3, 6, 1])[0],
            )
            for i in range(existing, count)
        ]
        CaseStudy.objects.bulk_create(cases, batch_size=2000)
        cases = list(CaseStudy.objects.filter(title__startswith=MARK, changes__isnull=True))
        through = CaseStudy.terms.through
        through.objects.bulk_create(
            [
                through(casestudy_id=case.pk, term_id=term.pk)
                for case in cases
                for term in rng.sample(terms, 4)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        _relations_seed(cases, organisations, rng)
        counter = FeedCounter.objects.select_for_update().get_or_create(pk=1)[0]
        CaseChange.objects.bulk_create(
            [
                CaseChange(
                    seq=counter.value + n + 1,
                    case_uuid=case.uuid,
                    case_study=case,
                    organisation_id=case.organisation_id,
                    status=case.status,
                    tlp=case.tlp,
                    public_to_all=case.status == "published" and case.tlp in ("clear", "green"),
                )
                for n, case in enumerate(cases)
            ],
            batch_size=5000,
        )
        counter.value += len(cases)
        counter.save()
    print(f"seed: {len(cases)} cases in {time.perf_counter() - started:.1f} s")
    statistics_refresh()


def _relations_seed(cases: list[CaseStudy], organisations: list, rng: random.Random) -> None:
    """What the API renders besides terms, in the proportions of the demo data: references on
    most cases, recipients on AMBER ones, an attachment on one in five, an adoption on one in
    ten — so that list and floor both carry them."""
    Recipient = CaseStudy.recipients.through
    references, recipients, attachments, adoptions = [], [], [], []
    for case in cases:
        for position in range(rng.randint(0, 3)):
            references.append(
                Reference(
                    case_study_id=case.pk,
                    url=f"https://example.org/bench/{case.pk}/{position}",
                    title=f"Source {position + 1}",
                    position=position,
                )
            )
        if case.tlp == "amber":
            for recipient in rng.sample(organisations, 2):
                if recipient.pk != case.organisation_id:
                    recipients.append(Recipient(casestudy_id=case.pk, organisation_id=recipient.pk))
        if rng.random() < 0.2:
            attachments.append(
                Attachment(
                    case_study_id=case.pk,
                    file=f"bench/{case.pk}.pdf",
                    filename="evaluation.pdf",
                    content_type="application/pdf",
                    size=rng.randint(10_000, 900_000),
                    sha256=f"{case.pk:064x}",
                )
            )
        if case.status == "published" and rng.random() < 0.1:
            adopter = rng.choice(organisations)
            if adopter.pk != case.organisation_id:
                adoptions.append(
                    Adoption(
                        case_study_id=case.pk,
                        organisation_id=adopter.pk,
                        applied_on=datetime.date(2026, 1, 1 + rng.randrange(28)),
                        where="A regional election",
                        adaptation="Translated the material.",
                        effect=rng.choice(["partly_effective", "effective", "highly_effective"]),
                        evidence=rng.choice(["measured", "observed", "anecdotal"]),
                        attribution_mode=rng.choice(["named", "anonymised"]),
                    )
                )
    Reference.objects.bulk_create(references, batch_size=5000)
    Recipient.objects.bulk_create(recipients, batch_size=5000, ignore_conflicts=True)
    Attachment.objects.bulk_create(attachments, batch_size=5000)
    Adoption.objects.bulk_create(adoptions, batch_size=5000)


def statistics_refresh() -> None:
    """What autovacuum does in time: without statistics after a bulk load, PostgreSQL thinks
    the tables tiny and plans the list as a scan of every visible case (40× slower here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def timed(function, repeat: int) -> tuple[float, float]:
    function()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def sql_json(query: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [c[0] for c in cursor.description]
        return json.dumps(
            [dict(zip(names, row, strict=True)) for row in cursor.fetchall()], default=str
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--page", type=int, default=50, help="list page size")
    parser.add_argument("--feed-page", type=int, default=500)
    parser.add_argument("--cleanup", action="store_true", help="delete the bench cases and exit")
    parser.add_argument(
        "--profile", action="store_true", help="also print where each request's time goes"
    )
    parser.add_argument(
        "--check", action="store_true", help="first compare each floor's content with the API's"
    )
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    if options.cleanup:
        CaseChange.objects.filter(case_study__title__startswith=MARK).delete()
        print("deleted", CaseStudy.objects.filter(title__startswith=MARK).delete()[0], "rows")
        return
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed(options.cases)

    organisation = Organisation.objects.get(slug="demo-ee-gco")
    _, secret = api_token_create(
        actor=None, organisation=organisation, name="bench", expires_in_days=1
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    # Throttling would measure the limiter, not the API.
    from django.conf import settings

    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    from rest_framework.settings import api_settings

    api_settings.reload()

    sample = CaseStudy.objects.filter(
        title__startswith=MARK, status="published", tlp="green"
    ).first()
    case_url = "http://testserver/api/v1/cases/"
    organisation_id = organisation.pk
    if floors_sql.supported():
        floors = {
            "list page": lambda: floors_sql.list_page(organisation_id, case_url, options.page),
            "detail": lambda: floors_sql.detail(organisation_id, case_url, sample.uuid),
            "feed page": lambda: floors_sql.feed_page(
                organisation_id, case_url, 0, options.feed_page
            ),
            "feed replay": lambda: floors_sql.replay(organisation_id, case_url, options.feed_page),
        }
    else:
        sys.exit("bench/api.py's floors are PostgreSQL queries: set DATABASE_URL to PostgreSQL.")

    def replay() -> int:
        url, pages = f"/api/v1/changes/?limit={options.feed_page}", 0
        while url:
            body = client.get(url).json()
            pages += 1
            url = (
                f"/api/v1/changes/?limit={options.feed_page}&cursor={body['next_cursor']}"
                if body["has_more"]
                else None
            )
        return pages

    endpoints = {
        "list page": lambda: client.get(f"/api/v1/cases/?limit={options.page}"),
        "detail": lambda: client.get(f"/api/v1/cases/{sample.uuid}/"),
        "feed page": lambda: client.get(f"/api/v1/changes/?limit={options.feed_page}"),
        "feed replay": replay,
    }
    print(
        f"database: {connection.vendor}, cases: {CaseStudy.objects.count()}, "
        f"feed entries: {CaseChange.objects.count()}, list page {options.page}, "
        f"feed page {options.feed_page}"
    )
    # The empty poll: a consumer that has read everything asks again.
    last = client.get(f"/api/v1/changes/?limit={options.feed_page}").json()
    while last["has_more"]:
        last = client.get(
            f"/api/v1/changes/?limit={options.feed_page}&cursor={last['next_cursor']}"
        ).json()
    endpoints["empty poll"] = lambda: client.get(f"/api/v1/changes/?cursor={last['next_cursor']}")
    floors["empty poll"] = lambda: sql_json(
        "SELECT value FROM practices_feedcounter WHERE id = 1", []
    )

    if options.check:
        check(client, organisation_id, case_url, options.feed_page)
    print(f"{'request':<12} {'median ms':>10} {'p95 ms':>8} {'floor ms':>9} {'ratio':>6}")
    for name, call in endpoints.items():
        repeat = max(3, options.repeat // 10) if name == "feed replay" else options.repeat
        median, p95 = timed(call, repeat)
        floor, _ = timed(floors[name], repeat)
        print(f"{name:<12} {median:>10.1f} {p95:>8.1f} {floor:>9.1f} {median / floor:>6.1f}")
        if name == "feed replay":
            entries = CaseChange.objects.count()
            print(f"{'':<12} {entries / (median / 1000):>10.0f} entries/s")
    tracemalloc.start()
    replay()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"replay peak Python memory (tracemalloc): {peak / 2**20:.1f} MiB")
    if options.profile:
        profile({k: v for k, v in endpoints.items() if k != "feed replay"}, options.repeat)
    if shutil.which("wrk"):
        requests_per_second(secret, options.page)
    else:
        print("wrk is not installed: no requests-per-second figures (apt-get install wrk)")


def _comparable(value):
    """JSON with timestamps as datetimes: DRF and PostgreSQL write the same instant
    differently ("Z" or "+00:00", trailing zeros)."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-][\d:]+)", value):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _differences(api, floor, path: str = "") -> list[str]:
    if isinstance(api, dict) and isinstance(floor, dict):
        if list(api) != list(floor):
            return [f"{path}: keys {list(api)} vs {list(floor)}"]
        return [d for key in api for d in _differences(api[key], floor[key], f"{path}.{key}")]
    if isinstance(api, list) and isinstance(floor, list):
        if len(api) != len(floor):
            return [f"{path}: {len(api)} items vs {len(floor)}"]
        return [
            d
            for i, pair in enumerate(zip(api, floor, strict=True))
            for d in _differences(*pair, f"{path}[{i}]")
        ]
    return [] if api == floor else [f"{path}: {api!r} vs {floor!r}"]


def check(client: Client, organisation_id: int, case_url: str, feed_page: int) -> None:
    """Each floor next to the API's answer to the same request, field by field (a floor that
    returns less than the API would flatter it): the list, details of cases with each
    relation, feed pages at the start, middle and end."""
    requests = [
        (
            "list",
            "/api/v1/cases/?limit=50",
            lambda: floors_sql.list_page(organisation_id, case_url, 50),
        )
    ]
    bench = CaseStudy.objects.filter(title__startswith=MARK)
    samples = [
        bench.filter(adoptions__isnull=False).first(),
        bench.filter(attachments__isnull=False).first(),
        bench.filter(references__isnull=False, status="published", tlp="green").first(),
        bench.filter(organisation_id=organisation_id, tlp="amber").first(),
        bench.filter(tlp="amber", recipients=organisation_id).first(),
    ]
    for case in filter(None, samples):
        requests.append(
            (
                f"detail {case.pk}",
                f"/api/v1/cases/{case.uuid}/",
                partial(floors_sql.detail, organisation_id, case_url, case.uuid),
            )
        )
    last = CaseChange.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for after in sorted({0, last // 2, max(0, last - feed_page // 2)}):
        cursor = base64.urlsafe_b64encode(f"v1:{after}".encode()).decode().rstrip("=")
        requests.append(
            (
                f"feed after {after}",
                f"/api/v1/changes/?limit={feed_page}&cursor={cursor}",
                partial(floors_sql.feed_page, organisation_id, case_url, after, feed_page),
            )
        )
    for name, url, floor in requests:
        api = client.get(url).json()
        api = api.get("results", [api])
        for entry in api:
            if entry.get("collection"):  # the floor carries a collection's own columns only
                entry["collection"] = {
                    k: v
                    for k, v in entry["collection"].items()
                    if k in floors_sql.COLLECTION_COLUMNS
                }
        found = _differences(_comparable(api), _comparable(json.loads(floor())))
        print(f"check {name}: {len(api)} items, {len(found)} differences")
        for line in found[:5]:
            print("   ", line)


def profile(endpoints: dict, repeat: int) -> None:
    """A pyinstrument call tree of each request (``pip install pyinstrument``): the figures
    above say how far from the floor; this says where the rest goes."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: no profiles (pip install pyinstrument)")
        return
    for name, call in endpoints.items():
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(repeat):
            call()
        profiler.stop()
        print(f"\n--- profile: {name} ({repeat} requests) ---")
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def requests_per_second(secret: str, page: int, port: int = 8765) -> None:
    """The list endpoint under gunicorn next to a constant-JSON view of the same gunicorn."""
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, our own arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),  # the running venv's
            "-c",
            "portal/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "portal.wsgi",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/constant/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        workers = os.environ.get("WEB_CONCURRENCY", "default")
        threads = os.environ.get("GUNICORN_THREADS", "4")
        print(f"gunicorn: WEB_CONCURRENCY={workers}, GUNICORN_THREADS={threads}")
        print(f"{'connections':<12} {'list req/s':>10} {'constant req/s':>15} {'share':>6}")
        for connections in (2, 8):
            listed = wrk(f"{base}/api/v1/cases/?limit={page}", connections, secret)
            constant = wrk(f"{base}/bench/constant/", connections, secret)
            print(f"{connections:<12} {listed:>10.1f} {constant:>15.1f} {listed / constant:>6.1%}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def wrk(url: str, connections: int, secret: str, seconds: int = 10) -> float:
    output = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk"),
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-H",
            f"Authorization: Bearer {secret}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


if __name__ == "__main__":
    main()
