"""Gunicorn's settings for the portal (``gunicorn -c portal/gunicorn.conf.py portal.wsgi``).

Requests spend most of their time waiting on PostgreSQL, so each worker process runs a few
threads (``gthread``): more requests in flight for the same memory. Each thread keeps its own
database connection open between requests (``CONN_MAX_AGE``), so PostgreSQL must allow
``WEB_CONCURRENCY × GUNICORN_THREADS`` connections for the web, plus the Celery workers'.
"""

from __future__ import annotations

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # all interfaces: inside the container
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that runs longer than this is a bug or an outage; the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # behind a proxy that reuses connections
# Recycle workers now and then, so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm"  # noqa: S108 (heartbeat files in memory, as Docker recommends)
accesslog = "-"


def post_worker_init(worker) -> None:
    """Take what loading the portal created out of the garbage collector's reach.

    A full collection walks every tracked object of the process: about 160 000 once Django and
    the portal are loaded, 150 ms on the 2-core benchmark machine, and the pages across cases
    allocate enough to trigger one every few requests. Those objects live as long as the worker,
    so after a last collection they are frozen and later collections walk only what requests
    create (``bench/insights.py --gc-freeze``: the p95 outliers went).
    """
    gc.collect()
    gc.freeze()
    # The newest cases' facet facts read into memory while the worker serves (after the
    # freeze, which must not hold them: they are forgotten and read again every ten minutes).
    from practices.discovery import case_facts

    case_facts.warm_in_background()
