"""Render public pages with production settings and collected static files (manifest storage).

Catches what only DEBUG=false shows: a template naming a static file that collectstatic did not
collect raises there, while the development server would quietly 404 it.
"""

from __future__ import annotations

import os
import sys
import tempfile

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Pages read the database (the home page lists collections): a fresh, migrated one of its own.
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/smoke.sqlite3")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)

client = Client(HTTP_HOST="exchange.example.org")
failures = []
for path in ["/", "/accounts/login/", "/accounts/password/reset/"]:
    response = client.get(path, secure=True)
    print(f"{path}: {response.status_code}")
    if response.status_code != 200:
        failures.append(path)
sys.exit(1 if failures else 0)
