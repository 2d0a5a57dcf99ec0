"""Render public pages with production settings and collected static files (manifest storage).

Catches what only DEBUG=false shows: a template naming a static file that collectstatic did not
collect raises there, while the development server would quietly 404 it.
"""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.test import Client  # noqa: E402

client = Client(HTTP_HOST="exchange.example.org")
failures = []
for path in ["/", "/accounts/login/", "/accounts/password/reset/"]:
    response = client.get(path, secure=True)
    print(f"{path}: {response.status_code}")
    if response.status_code != 200:
        failures.append(path)
sys.exit(1 if failures else 0)
