#!/usr/bin/env python
"""Benchmark of TAXII ``objects`` paging next to medallion; prints figures, asserts nothing.

    createdb -h 127.0.0.1 -U postgres cdpe_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdpe_bench
    .venv/bin/python -u bench/taxii.py --seed-only          # bench/search.py's seeding, 20 000
    .venv/bin/python -u bench/taxii.py                      # the figures (bench/README.md)
    .venv/bin/python -u bench/taxii.py --cases 2000 --medallion-objects 1000,2000 --repeat 2

It seeds the database as ``bench/search.py`` does (it refuses anything but a bench database),
issues a read-only token to a demo organisation (``--org``, default member@ee.demo's) and serves
the portal with gunicorn (``portal/gunicorn.conf.py``, ``bench/settings.py``, DEBUG off, as
``bench/api.py`` does). A client (``requests``, one kept-alive connection, the TAXII media
type, the token as Bearer) pages through the ``cases`` collection's ``objects`` with ``limit``
(default the server's maximum, 1 000), following ``next`` until ``more`` is false; the first
pass is untimed (it warms PostgreSQL and keeps the objects of the first pages, with their
``manifest`` records), then ``--repeat`` timed passes give the median.

medallion, the OASIS reference TAXII 2.1 server, then serves those same objects and manifest
records from its memory backend (a data file written here), under the same gunicorn settings
(``portal/gunicorn.conf.py``: gthread, the same workers and threads), with the same ``limit``
as its maximum page size, and the same client pages through it. Its memory backend sorts and
filters a collection with nested loops over every object (quadratic in the collection's
size) and keeps the ``next`` state in the worker's memory, so it serves only collections of
a few thousand objects and only from one worker: ``--medallion-objects`` gives the sizes it
serves (the first K objects of the portal's collection), each next to the portal paging through
the same first K objects. Both servers run one worker (``--workers``) and recycle none during
the run (``--max-requests 0``); the ids each returns are checked against the other's.

medallion is a bench-only dependency, installed by hand into the virtualenv
(``.venv/bin/pip install medallion``, and ``pyinstrument`` for ``--profile``); neither is in
pyproject.toml, so ``make install`` stays lean.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Sets Django up with the bench defaults (DEBUG off, bench secret key) before the imports below.
from bench.search import index_missing, refuse_unless_bench_database, seed

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.authentication import TokenActor
from accounts.models import Organisation
from accounts.services import api_token_create, api_token_revoke
from practices.interop import selectors
from practices.interop.taxii import COLLECTION_IDS, MAX_LIMIT, MEDIA_TYPE, STIX_MEDIA_TYPE

COLLECTION = COLLECTION_IDS["cases"]
GUNICORN = Path(sys.executable).parent / "gunicorn"


# --- Database and servers ----------------------------------------------------------------------


def prepare(cases: int) -> None:
    """What ``bench/search.py --seed-only`` does: migrate, demo data, seed, search documents."""
    refuse_unless_bench_database()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed(cases)
    index_missing()


@contextlib.contextmanager
def gunicorn(app: str, port: int, workers: int, env: dict[str, str]) -> Iterator[str]:
    """``app`` under gunicorn with the portal's gunicorn.conf.py on 127.0.0.1:``port``, stopped
    (with its workers: it leads its own process group) however the block ends."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 (read back if the server fails to start)
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, our own arguments)
        [
            str(GUNICORN),
            "-c",
            "portal/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            # medallion keeps its paging state in the worker: a recycled worker forgets it.
            "--max-requests",
            "0",
            "--access-logfile",
            "/dev/null",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if server.poll() is not None:
                break
            try:
                # Discovery (401 without credentials, on both servers): the worker is up.
                requests.get(f"{base}/taxii2/", timeout=60)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        if server.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"{app} did not start:\n{log.read().decode()[-3000:]}")
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


# --- Paging ------------------------------------------------------------------------------------


@dataclass
class Run:
    """One pass through a collection: what came back and how long it took."""

    objects: int = 0
    pages: int = 0
    seconds: float = 0.0
    first_page: float = 0.0
    ids: list[str] = field(default_factory=list)
    kept: list[dict] = field(default_factory=list)


def page_through(
    session: requests.Session, url: str, limit: int, *, stop_after: int = 0, keep: int = 0
) -> Run:
    """GET ``url`` with ``limit`` and then each ``next`` until ``more`` is false (or
    ``stop_after`` objects have come), timing it; the first ``keep`` objects are kept."""
    run = Run()
    params: dict[str, str | int] = {"limit": limit}
    started = time.perf_counter()
    while True:
        response = session.get(url, params=params, timeout=3600)
        response.raise_for_status()
        body = response.json()
        run.pages += 1
        if run.pages == 1:
            run.first_page = time.perf_counter() - started
        objects = body.get("objects", [])
        run.objects += len(objects)
        run.ids += [obj["id"] for obj in objects]
        if len(run.kept) < keep:
            run.kept += objects[: keep - len(run.kept)]
        if not body.get("more") or (stop_after and run.objects >= stop_after):
            break
        params = {"limit": limit, "next": body["next"]}
    run.seconds = time.perf_counter() - started
    return run


def session_for(authorization: tuple[str, str] | str) -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = MEDIA_TYPE
    if isinstance(authorization, str):
        session.headers["Authorization"] = f"Bearer {authorization}"
    else:
        session.auth = authorization
    return session


@dataclass
class Figure:
    """The median of timed passes, and what every pass returned."""

    server: str
    runs: list[Run]

    @property
    def objects(self) -> int:
        return self.runs[0].objects

    @property
    def pages(self) -> int:
        return self.runs[0].pages

    @property
    def seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def first_page_ms(self) -> float:
        return statistics.median(run.first_page for run in self.runs) * 1000

    @property
    def rate(self) -> float:
        return self.objects / self.seconds

    def check(self, expected: list[str]) -> None:
        """Every pass returned the same ids as ``expected``, each once."""
        for run in self.runs:
            if len(run.ids) != len(set(run.ids)) or set(run.ids) != set(expected):
                raise SystemExit(
                    f"{self.server}: {len(run.ids)} objects ({len(set(run.ids))} ids) where "
                    f"{len(expected)} were expected: the servers did not serve the same set."
                )


def timed(
    server: str, session: requests.Session, url: str, limit: int, repeat: int, stop_after: int = 0
) -> Figure:
    runs = [page_through(session, url, limit, stop_after=stop_after) for _ in range(repeat)]
    return Figure(server, runs)


# --- medallion ---------------------------------------------------------------------------------


def medallion_files(
    directory: Path, objects: list[dict], manifest: list[dict], limit: int, password: str
) -> Path:
    """medallion's configuration and memory-backend data file (the layout of its
    ``test/data/default_data.json``): one API root, ``bench``, with the cases collection
    under the portal's collection id, holding ``objects`` and their ``manifest`` records."""
    data = {
        "/discovery": {
            "title": "medallion (bench)",
            "description": "The portal's cases collection, served by medallion.",
            "default": "/bench/",
            "api_roots": ["/bench/"],
        },
        "bench": {
            "information": {
                "title": "bench",
                "versions": [MEDIA_TYPE],
                "max_content_length": 10 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Case studies",
                    "can_read": True,
                    "can_write": False,
                    "media_types": [STIX_MEDIA_TYPE],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }
    data_file = directory / "data.json"
    data_file.write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data_file),
            # ``next`` expires this long after the first page (30 s by default): longer than
            # any pass here.
            "session_timeout": 24 * 3600,
            "check_interval": 3600,
        },
        "users": {"bench": password},
        "taxii": {"max_page_size": limit},
    }
    config_file = directory / "config.json"
    config_file.write_text(json.dumps(config))
    return config_file


def medallion_figures(
    sizes: list[int],
    kept: list[dict],
    manifest: list[dict],
    portal: requests.Session,
    portal_url: str,
    options: argparse.Namespace,
) -> list[tuple[Figure, Figure]]:
    """For each size K: the portal paging through its first K objects, and medallion paging
    through a collection of exactly those K objects."""
    pairs = []
    password = secrets.token_urlsafe(16)
    for size in sizes:
        size = min(size, len(kept))
        ids = [obj["id"] for obj in kept[:size]]
        ours = timed(
            f"portal, first {size}", portal, portal_url, options.limit, options.repeat, size
        )
        ours.check(ids)
        with tempfile.TemporaryDirectory() as directory:
            config = medallion_files(
                Path(directory), kept[:size], manifest[:size], options.limit, password
            )
            with gunicorn(
                f"medallion:load_app({str(config)!r})", options.port + 1, options.workers, {}
            ) as base:
                session = session_for(("bench", password))
                url = f"{base}/bench/collections/{COLLECTION}/objects/"
                session.get(f"{base}/bench/", timeout=60).raise_for_status()  # warm the worker
                theirs = timed(f"medallion, {size}", session, url, options.limit, options.repeat)
        theirs.check(ids)
        pairs.append((ours, theirs))
        print(row(ours, theirs), flush=True)
        print(row(theirs), flush=True)
    return pairs


def manifest_records(session: requests.Session, base: str, limit: int, count: int) -> list[dict]:
    """The portal's manifest records (date_added, version) of its first ``count`` objects."""
    url = f"{base}/taxii2/api/collections/{COLLECTION}/manifest/"
    return page_through(session, url, limit, stop_after=count, keep=count).kept


# --- Report ------------------------------------------------------------------------------------

HEADER = (
    f"{'server':<22} {'objects':>9} {'pages':>6} {'seconds':>9} {'objects/s':>10} "
    f"{'first page ms':>14} {'portal/medallion':>17}"
)


def row(figure: Figure, medallion: Figure | None = None) -> str:
    ratio = f"{figure.rate / medallion.rate:>17.1f}" if medallion else f"{'':>17}"
    return (
        f"{figure.server:<22} {figure.objects:>9} {figure.pages:>6} {figure.seconds:>9.2f} "
        f"{figure.rate:>10.0f} {figure.first_page_ms:>14.1f} {ratio}"
    )


def extrapolate(pairs: list[tuple[Figure, Figure]], total: int) -> str:
    """medallion's seconds for the whole collection from its two largest sizes, fitting
    t = a·K² + b·K (its nested loops): an estimate, not a measurement."""
    points = sorted({(theirs.objects, theirs.seconds) for _ours, theirs in pairs})
    if len(points) < 2:
        return ""
    (k1, t1), (k2, t2) = points[-2:]
    a = (t2 / k2 - t1 / k1) / (k2 - k1)
    b = t1 / k1 - a * k1
    seconds = a * total**2 + b * total
    return (
        f"medallion, all {total} objects, extrapolated (t = aK² + bK from K = {k1}, {k2}): "
        f"about {seconds:,.0f} s ({seconds / 3600:.1f} h), {total / seconds:.1f} objects/s"
    )


def profile_page(secret: str, limit: int) -> None:
    """One page of the collection in this process (Django's test client), under pyinstrument."""
    from pyinstrument import Profiler

    # DEBUG is off and nobody ran collectstatic for a bench: WhiteNoise says so, harmlessly.
    warnings.filterwarnings("ignore", "No directory at")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT=MEDIA_TYPE)
    url = f"/taxii2/api/collections/{COLLECTION}/objects/"
    first = client.get(url, {"limit": limit}).json()  # warm, and a page from the middle next
    params = {"limit": limit, "next": first["next"]} if first.get("more") else {"limit": limit}
    profiler = Profiler(interval=0.0005)
    with profiler:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=MAX_LIMIT, help="objects per page")
    parser.add_argument("--org", default="demo-ee-gco", help="the token's organisation (slug)")
    parser.add_argument(
        "--medallion-objects",
        default="1000,2000,4000",
        help="comma-separated collection sizes medallion serves (its time grows as K²)",
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers, both servers")
    parser.add_argument("--port", type=int, default=8790, help="the portal's; medallion's +1")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile one portal page too")
    options = parser.parse_args()
    options.limit = min(options.limit, MAX_LIMIT)
    sizes = [int(size) for size in options.medallion_objects.split(",") if size.strip()]
    if any(size % options.limit for size in sizes):
        # The portal's "first K objects" are whole pages.
        parser.error("each of --medallion-objects must be a multiple of --limit")
    # A plain kill runs the clean-up (servers stopped) like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    prepare(options.cases)
    if options.seed_only:
        return
    organisation = Organisation.objects.get(slug=options.org)
    token, secret = api_token_create(
        actor=None, organisation=organisation, name="bench/taxii.py", expires_in_days=1
    )
    try:
        served = selectors.served_cases(TokenActor(token)).count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(",")[0]
            cursor.execute("SELECT count(*) FROM practices_casestudy")
            cases = cursor.fetchone()[0]
        connection.close()  # the servers do the reading from here on
        print(
            f"database: {version}, cases: {cases}, served to {organisation.slug}: {served}, "
            f"limit: {options.limit}, repeat: {options.repeat}, workers: {options.workers}, "
            f"cores: {os.cpu_count()}"
        )
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "WEB_CONCURRENCY": str(options.workers),
        }
        with gunicorn("portal.wsgi", options.port, options.workers, env) as base:
            portal = session_for(secret)
            url = f"{base}/taxii2/api/collections/{COLLECTION}/objects/"
            keep = max(sizes, default=0)
            # The untimed pass: warms the database and keeps the objects medallion will serve.
            warm = page_through(portal, url, options.limit, keep=keep)
            manifest = manifest_records(portal, base, options.limit, keep)
            if [record["id"] for record in manifest] != [obj["id"] for obj in warm.kept]:
                raise SystemExit("The portal's manifest and objects disagree: nothing to compare.")
            print(HEADER)
            full = timed("portal, all", portal, url, options.limit, options.repeat)
            full.check(warm.ids)
            print(row(full), flush=True)
            pairs = medallion_figures(sizes, warm.kept, manifest, portal, url, options)
        if note := extrapolate(pairs, full.objects):
            print(note)
        if options.profile:
            profile_page(secret, options.limit)
    finally:
        api_token_revoke(actor=None, token=token)


if __name__ == "__main__":
    main()
