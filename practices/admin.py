"""Django's admin autodiscovery imports ``practices.admin``: each room registers its own."""

from __future__ import annotations

from practices.audit import admin as audit_admin
from practices.cases import admin as cases_admin
from practices.discovery import admin as discovery_admin
from practices.hub import access_admin, adoption_admin, collection_admin
from practices.insights import admin as insights_admin
from practices.sync import admin as sync_admin
from practices.vocabularies import admin as vocabularies_admin
from practices.vocabularies.refs import term_refs_describe

# The audit room may not import the vocabularies; its admin names tag references through this.
audit_admin.AuditEventAdmin.describe_refs = staticmethod(term_refs_describe)

__all__ = [
    "access_admin",
    "adoption_admin",
    "audit_admin",
    "cases_admin",
    "collection_admin",
    "discovery_admin",
    "insights_admin",
    "sync_admin",
    "vocabularies_admin",
]
