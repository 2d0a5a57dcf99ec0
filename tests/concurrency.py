"""Running service calls at the same moment, each in its own thread and so on its own
PostgreSQL connection, for the race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

Outcomes = dict[str, tuple[str, object]]


def in_threads(
    calls: dict[str, Callable[[], object]],
    *,
    refused: type[BaseException] | tuple[type[BaseException], ...],
    before: Callable[[str], None] | None = None,
    timeout: float = 30,
    errors_allowed: bool = False,
) -> Outcomes:
    """Each call in its own thread; per name ("ok", result), ("refused", the ``refused``
    exception) or ("error", anything else — a deadlock too). ``before(name)`` runs first in
    the thread (to wait at a barrier, or to start late). Unless ``errors_allowed``, an error
    fails the test with every outcome shown."""
    outcomes: Outcomes = {}

    def worker(name: str, call: Callable[[], object]) -> None:
        try:
            if before is not None:
                before(name)
            outcomes[name] = ("ok", call())
        except refused as exc:
            outcomes[name] = ("refused", exc)
        except Exception as exc:  # reported by the test, not lost in the thread
            outcomes[name] = ("error", exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    if not errors_allowed:
        assert not [o for o in outcomes.values() if o[0] == "error"], outcomes
    return outcomes
