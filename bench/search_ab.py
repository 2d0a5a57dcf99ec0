"""First requests of bench/search.py's queries, saved per query, for an A/B of two versions of
the code on the same database; prints figures, asserts nothing.

This machine's timings drift by 20-40 % between runs of the same code, so two versions are
compared by alternating them, several rounds each, and pooling each version's samples:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdpe_bench   # seeded by search.py
    for round in 1 2 3; do
      git checkout -q OLD -- practices && .venv/bin/python bench/search_ab.py run old-$round.json
      git checkout -q HEAD -- practices && .venv/bin/python bench/search_ab.py run new-$round.json
    done
    .venv/bin/python bench/search_ab.py compare "old-*.json" "new-*.json"

(``OLD`` must be a commit whose migrations the database already has, or older code that
ignores the newer columns.)
"""

from __future__ import annotations

import argparse
import gc
import glob
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(path: str, repeat: int, readers: list[str], kinds: list[str], cold: bool) -> None:
    # Django set up as bench/search.py runs it (production settings, no SQL logging), and
    # what it uses from Django taken from there.
    from bench import search as bench

    AnonymousUser, Client, cache = bench.AnonymousUser, bench.Client, bench.cache

    bench.refuse_unless_bench_database()
    gc.collect()
    gc.freeze()  # as the portal's gunicorn workers do (portal/gunicorn.conf.py)
    samples: dict[str, dict[str, list[float]]] = {}
    for name, actor in bench.actors().items():
        if name not in readers:
            continue
        reader = actor if actor is not None else AnonymousUser()
        client = Client()
        if actor is not None:
            client.force_login(actor)
        calls = {
            "search": lambda q, t, reader=reader: bench.search_page(reader, q, t),
            "facets": lambda q, t, reader=reader: bench.facets(reader, q, t),
            "browse": lambda q, t, client=client: bench.browse(client, q, t),
        }
        for kind in kinds:
            for text, tag in bench.QUERIES:
                call = calls[kind](text, tag)
                call()  # the connection and the database's buffers warmed
                for _ in range(repeat):
                    cache.clear()  # a first request, but for what beat keeps built
                    bench.publication_histogram()
                    if cold:  # and, with --cold, a worker's memory of the cases emptied
                        bench.case_facts.forget()
                    started = time.perf_counter()
                    call()
                    elapsed = (time.perf_counter() - started) * 1000
                    key = f"{text} + {tag}" if tag else text
                    samples.setdefault(f"{name} {kind}", {}).setdefault(key, []).append(elapsed)
    with open(path, "w") as out:
        json.dump(samples, out)


def _pooled(pattern: str) -> dict[str, dict[str, list[float]]]:
    pooled: dict[str, dict[str, list[float]]] = {}
    for path in sorted(glob.glob(pattern)):
        with open(path) as saved:
            for row, queries in json.load(saved).items():
                for query, values in queries.items():
                    pooled.setdefault(row, {}).setdefault(query, []).extend(values)
    return pooled


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def compare(before: str, after: str) -> None:
    old, new = _pooled(before), _pooled(after)
    print(f"{'':24} {'p50 before':>10} {'p95 before':>10} {'p50 after':>10} {'p95 after':>10}")
    for row in sorted(old.keys() & new.keys()):
        a = [v for values in old[row].values() for v in values]
        b = [v for values in new[row].values() for v in values]
        print(
            f"{row:24} {statistics.median(a):10.1f} {_p95(a):10.1f} "
            f"{statistics.median(b):10.1f} {_p95(b):10.1f}"
        )
    print("\nmedians per query, before > after (ms):")
    for row in sorted(old.keys() & new.keys()):
        pairs = [
            f"{query}: {statistics.median(old[row][query]):.0f} > "
            f"{statistics.median(new[row][query]):.0f}"
            for query in old[row]
            if query in new[row]
        ]
        print(f"  {row}: " + "; ".join(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    running = commands.add_parser("run", help="time the queries with the code checked out now")
    running.add_argument("out", help="the JSON file to write")
    running.add_argument("--repeat", type=int, default=3)
    running.add_argument("--readers", default="visitor,member,moderator")
    running.add_argument("--kinds", default="search,facets,browse")
    running.add_argument(
        "--cold", action="store_true", help="empty the memory of the cases' facts before each"
    )
    comparing = commands.add_parser("compare", help="pool two sets of runs and compare them")
    comparing.add_argument("before", help="a glob of run files")
    comparing.add_argument("after", help="a glob of run files")
    options = parser.parse_args()
    if options.command == "compare":
        compare(options.before, options.after)
        return
    sys.argv = sys.argv[:1]  # bench/search.py reads none of these
    run(
        options.out,
        options.repeat,
        options.readers.split(","),
        options.kinds.split(","),
        options.cold,
    )


if __name__ == "__main__":
    main()
