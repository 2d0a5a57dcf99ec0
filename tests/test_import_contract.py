"""The layout stays true: every module imports, and no room imports a room above it.

The contract itself is written in pyproject.toml (``[tool.importlinter]``); ``make lint`` runs
the same check as ``lint-imports``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from pathlib import Path

import pytest
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["portal", "accounts", "practices"]


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = [str(ROOT / package)]
        for module in pkgutil.walk_packages(path, prefix=f"{package}."):
            if ".migrations." not in module.name and not module.name.endswith(".migrations"):
                names.append(module.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_every_module_imports(name):
    importlib.import_module(name)


@pytest.fixture
def logging_restored():
    """import-linter configures logging with ``dictConfig`` and its default
    ``disable_existing_loggers=True``: every logger of this process would go silent for the
    tests that run after this one in the same process (the outage warnings' tests)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    saved = [
        (logger, logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for logger in loggers
        if isinstance(logger, logging.Logger)
    ]
    yield
    for logger, disabled, level, handlers, propagate in saved:
        logger.disabled, logger.propagate, logger.handlers = disabled, propagate, handlers
        logger.setLevel(level)


def test_the_rooms_keep_their_import_contract(capsys, logging_restored):
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    output = capsys.readouterr().out
    assert status == EXIT_STATUS_SUCCESS, output
    assert "0 broken" in output
