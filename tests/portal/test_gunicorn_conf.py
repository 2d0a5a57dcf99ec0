"""Gunicorn's settings file: each worker freezes what loading the portal created, so that
garbage collections walk only what requests create, then warms its memory of the cases."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

import portal
from practices.discovery import case_facts

CONF = Path(portal.__file__).parent / "gunicorn.conf.py"


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_worker_freezes_what_loading_created(unfrozen, monkeypatch):
    warmed = []
    monkeypatch.setattr(case_facts, "warm_in_background", lambda: warmed.append(True))
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "gthread"
    assert gc.get_freeze_count() == 0
    conf["post_worker_init"](worker=None)
    assert gc.get_freeze_count() > 10_000  # Django and the portal, loaded by the test run
    assert all(len(gc.get_objects(generation)) < 10_000 for generation in (0, 1, 2))
    assert warmed == [True]  # and it starts reading the newest cases' facet facts
