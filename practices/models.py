"""Every model of the practices app, for Django's app registry and its migrations.

The models live in the room of their concern (``practices/<room>/models.py``); this module
only gathers them under the one app label. Code inside ``practices`` imports a model from its
room, never from here, so that the import contract between rooms holds (pyproject.toml).
"""

from __future__ import annotations

from practices.audit.models import AuditEvent
from practices.cases.models import (
    TLP_RED_REFUSAL,
    Attachment,
    CaseRevision,
    CaseStudy,
    ModerationEvent,
    Reference,
    _attachment_path,
)
from practices.discovery.models import CaseSearchDocument, SavedSearch, SearchWord
from practices.hub.collection_models import Collection, CollectionItem
from practices.hub.models import AccessRequest, Adoption
from practices.insights.models import CaseLink
from practices.moderation.models import Approval
from practices.sync.models import (
    CaseChange,
    FeedCounter,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from practices.vocabularies.models import Taxonomy, Term

__all__ = [
    "TLP_RED_REFUSAL",
    "AccessRequest",
    "Adoption",
    "Approval",
    "Attachment",
    "AuditEvent",
    "CaseChange",
    "CaseLink",
    "CaseRevision",
    "CaseSearchDocument",
    "CaseStudy",
    "Collection",
    "CollectionItem",
    "FeedCounter",
    "ModerationEvent",
    "Reference",
    "SavedSearch",
    "SearchWord",
    "Taxonomy",
    "Term",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "_attachment_path",  # named by migration 0001 (upload_to)
]
