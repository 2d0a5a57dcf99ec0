from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True  # this module also holds PortalAdminConfig
    name = "accounts"
    verbose_name = "Organisations and people"


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with ``accounts.admin_site.PortalAdminSite``: sign-in through the
    portal (allauth, with two-factor) and TOTP required for staff."""

    default = False
    default_site = "accounts.admin_site.PortalAdminSite"
