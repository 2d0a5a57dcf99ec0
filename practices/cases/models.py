"""The case study, its references, attachments, history thread and pending revisions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from practices.cases import text
from practices.cases.querysets import CaseStudyQuerySet
from practices.vocabularies.labels import (
    DEFAULT_CONTENT_LANGUAGE,
    language_name,
    validate_language_code,
)
from practices.vocabularies.models import Term


def _length_limits(prefix: str, limits: dict[str, int]) -> list[models.CheckConstraint]:
    # TextField(max_length) is checked by forms and full_clean() only; the database enforces
    # nothing. A CheckConstraint on the length holds on PostgreSQL and SQLite alike and keeps
    # the columns TEXT (a varchar would be enforced by PostgreSQL only).
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit),
            name=f"{prefix}_{field}_max_length",
            violation_error_message=f"At most {limit:,} characters.",
        )
        for field, limit in limits.items()
    ]


class CaseStudy(models.Model):
    """A disinformation incident and the response to it, as one organisation tells it.

    Visibility is decided only by ``CaseStudy.objects.visible_to(viewer)``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class TLP(models.TextChoices):
        CLEAR = "clear", "TLP:CLEAR"
        GREEN = "green", "TLP:GREEN"
        AMBER = "amber", "TLP:AMBER"
        AMBER_STRICT = "amber_strict", "TLP:AMBER+STRICT"
        RED = "red", "TLP:RED"

    class AttributionMode(models.TextChoices):
        NAMED = "named", _("Named: show our organisation")
        ANONYMISED = "anonymised", _("Anonymised: show only 'a partner organisation' and region")

    class AttributionConfidence(models.TextChoices):
        UNATTRIBUTED = "unattributed", _("Unattributed")
        SUSPECTED = "suspected", _("Suspected")
        ASSESSED = "assessed", _("Assessed")
        PUBLIC = "public", _("Publicly attributed by a government")

    class Effectiveness(models.TextChoices):
        NOT_ASSESSED = "not_assessed", _("Not assessed")
        INEFFECTIVE = "ineffective", _("Ineffective")
        PARTLY = "partly_effective", _("Partly effective")
        EFFECTIVE = "effective", _("Effective")
        HIGHLY = "highly_effective", _("Highly effective")

    class Evidence(models.TextChoices):
        MEASURED = "measured", _("Measured")
        OBSERVED = "observed", _("Observed")
        ANECDOTAL = "anecdotal", _("Anecdotal")

    RESTRICTED_TLPS = (TLP.AMBER, TLP.AMBER_STRICT)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="case_studies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when an API token created it.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every save; stale edits are refused."
    )

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"),
        blank=True,
        max_length=text.SUMMARY_MAX,
        help_text=_("Plain text, two or three sentences."),
    )
    # The language the case is written in (ISO 639-1), and optionally its summary in another.
    language = models.CharField(
        _("written in"),
        max_length=8,
        default=DEFAULT_CONTENT_LANGUAGE,
        validators=[validate_language_code],
        help_text=_("The language the case study is written in."),
    )
    summary_translation = models.TextField(
        _("summary translated"),
        blank=True,
        max_length=text.SUMMARY_MAX,
        help_text=_("Optional: the summary in another language, as plain text."),
    )
    summary_translation_language = models.CharField(
        _("language of the translated summary"),
        max_length=8,
        blank=True,
        validators=[validate_language_code],
    )

    # The incident
    incident = models.TextField(
        _("what was spread"), blank=True, max_length=text.LONG_SECTION_MAX, help_text=_("Markdown.")
    )
    attribution_confidence = models.CharField(
        max_length=20,
        choices=AttributionConfidence.choices,
        default=AttributionConfidence.UNATTRIBUTED,
    )
    audiences = models.TextField(_("audiences targeted"), blank=True, max_length=text.AUDIENCES_MAX)
    incident_start = models.DateField(_("incident start"), null=True, blank=True)
    incident_end = models.DateField(_("incident end"), null=True, blank=True)

    # The response
    response = models.TextField(
        _("what was done"), blank=True, max_length=text.LONG_SECTION_MAX, help_text=_("Markdown.")
    )
    responders = models.CharField(_("by whom"), max_length=300, blank=True)
    response_start = models.DateField(_("response start"), null=True, blank=True)
    response_end = models.DateField(_("response end"), null=True, blank=True)
    resources = models.TextField(
        _("resources used"), blank=True, max_length=text.RESOURCES_MAX, help_text=_("Markdown.")
    )

    # The outcome
    outcome = models.TextField(
        _("what changed"), blank=True, max_length=text.LONG_SECTION_MAX, help_text=_("Markdown.")
    )
    effectiveness = models.CharField(
        max_length=20, choices=Effectiveness.choices, default=Effectiveness.NOT_ASSESSED
    )
    evidence = models.CharField(_("evidence"), max_length=20, choices=Evidence.choices, blank=True)
    lessons = models.TextField(
        _("lessons learned"), blank=True, max_length=text.LONG_SECTION_MAX, help_text=_("Markdown.")
    )
    recommendations = models.TextField(
        blank=True, max_length=text.LONG_SECTION_MAX, help_text=_("Markdown.")
    )

    # Tags from every taxonomy, free keywords included.
    terms = models.ManyToManyField(Term, related_name="case_studies", blank=True)

    # Handling
    tlp = models.CharField("TLP", max_length=20, choices=TLP.choices, default=TLP.AMBER)
    recipients = models.ManyToManyField(
        Organisation,
        related_name="received_case_studies",
        blank=True,
        help_text=_("Organisations that may read an AMBER case besides yours and the moderators."),
    )
    attribution_mode = models.CharField(
        max_length=20, choices=AttributionMode.choices, default=AttributionMode.NAMED
    )
    # Only a stub of a discoverable case is offered to other organisations
    # (``CaseStudyQuerySet.discoverable_by``); the case itself stays AMBER, readable only as
    # ``visible_to`` says.
    discoverable = models.BooleanField(
        _("discoverable"),
        default=False,
        help_text=_(
            "TLP:AMBER only. Lists a short stub of the published case (title, DISARM "
            "techniques, region, incident year; never your organisation's name if the case is "
            "anonymised) to members of every organisation, who may then ask your "
            "organisation's admins for access with a reason. Nothing else is shown until an "
            "admin grants a request."
        ),
    )

    # Moderation
    submission_round = models.PositiveIntegerField(
        default=0, help_text="Raised at each (re)submission; approvals count within one round."
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claimed_case_studies",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = CaseStudyQuerySet.as_manager()

    MARKDOWN_FIELDS = ("incident", "resources", "response", "outcome", "lessons", "recommendations")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")
        constraints = [
            models.CheckConstraint(condition=~Q(tlp="red"), name="case_study_never_tlp_red"),
            # AMBER+STRICT is never re-shared onward, so it is never offered either.
            models.CheckConstraint(
                condition=Q(discoverable=False) | Q(tlp="amber"),
                name="case_study_discoverable_only_amber",
                violation_error_message="Only a TLP:AMBER case can be discoverable.",
            ),
            *_length_limits("case_study", text.CASE_TEXT_LIMITS),
        ]
        indexes = [
            # Covers the visibility check of visible_to (status, TLP, owner; the id for the
            # recipient lookup), so counting what a reader sees beyond the shared TLPs reads
            # the index only, not the wide case rows.
            models.Index(
                fields=["status", "tlp", "organisation"],
                include=["id"],
                name="case_study_visibility",
            ),
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["status", "published_at"]),
            # The browse page's order over published cases (newest first), exactly as it sorts,
            # so that its LIMIT walks this index and stops early instead of sorting every
            # visible case. (Published cases always have ``published_at``.) With the TLP and
            # owner in it, the visibility check of the walk reads the index alone; the status
            # too, although the condition fixes it, because a member's rule names it inside
            # an OR ("their own, or published and …"), and PostgreSQL reads the index alone
            # only when it holds every column the query names (without it, a member's search
            # read a table row for every case it walked: 48 ms instead of 30 at 100 000 cases).
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                condition=Q(status="published"),
                include=["tlp", "organisation", "status"],
                name="case_study_published_newest",
            ),
            # Everything visible_to and the newest-first order read of a case, by id: a search
            # that matches thousands of documents checks each one here, not in the wide row.
            models.Index(
                fields=["id"],
                include=["status", "tlp", "organisation", "published_at"],
                name="case_study_visibility_by_id",
            ),
            # The API list's order (and its cursor's): newest created first.
            models.Index(F("created_at").desc(), F("id").desc(), name="case_study_created_newest"),
            models.Index(fields=["incident_start"]),
            models.Index(fields=["incident_end"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["language"], name="case_study_language"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.tlp == self.TLP.RED:
            raise ValidationError({"tlp": TLP_RED_REFUSAL})
        if self.discoverable and self.tlp != self.TLP.AMBER:
            raise ValidationError({"discoverable": DISCOVERABLE_REFUSAL})
        if self.incident_start and self.incident_end and self.incident_end < self.incident_start:
            raise ValidationError({"incident_end": _("The incident cannot end before it starts.")})
        if self.response_start and self.response_end and self.response_end < self.response_start:
            raise ValidationError({"response_end": _("The response cannot end before it starts.")})
        self._clean_summary_translation()

    def _clean_summary_translation(self) -> None:
        """A translated summary needs its language, which differs from the case's own."""
        has_text = bool(self.summary_translation.strip())
        if has_text and not self.summary_translation_language:
            raise ValidationError(
                {
                    "summary_translation_language": _(
                        "Say which language the translated summary is in."
                    )
                }
            )
        if self.summary_translation_language and not has_text:
            raise ValidationError(
                {
                    "summary_translation": _(
                        "Write the translated summary, or leave its language empty."
                    )
                }
            )
        if has_text and self.summary_translation_language == self.language:
            raise ValidationError(
                {
                    "summary_translation_language": _(
                        "The translation must be in another language than the case itself."
                    )
                }
            )

    @property
    def language_name(self) -> str:
        """The language the case is written in, named in the reader's language."""
        return language_name(self.language)

    @property
    def summary_translation_language_name(self) -> str:
        return language_name(self.summary_translation_language)

    @property
    def is_anonymised(self) -> bool:
        return self.attribution_mode == self.AttributionMode.ANONYMISED

    @property
    def is_restricted(self) -> bool:
        return self.tlp in self.RESTRICTED_TLPS

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.CHANGES_REQUESTED)


TLP_RED_REFUSAL = _(
    "TLP:RED material is for named recipients only and does not belong on a shared portal. "
    "Choose AMBER+STRICT and name the recipient organisations, or share it through other channels."
)

DISCOVERABLE_REFUSAL = _(
    "Only a TLP:AMBER case can be discoverable. AMBER+STRICT is never shared onward, and "
    "CLEAR and GREEN cases are already readable by every member. Untick “discoverable” or "
    "choose TLP:AMBER."
)


class Reference(models.Model):
    """A public source about the case: a URL, its title and optionally an archived copy."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="references")
    url = models.URLField("URL", max_length=1000)
    title = models.CharField(max_length=300)
    archive_url = models.URLField("archived copy URL", max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under random names: the file name a person chose never reaches the file system,
    # and nothing about the path can be guessed.
    return f"attachments/{instance.case_study.uuid}/{instance.uuid}"


class Attachment(models.Model):
    """A document or image attached to a case; served only through the download view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class ModerationEvent(models.Model):
    """One entry in a case's history thread: a transition, an approval, a comment, a tag
    correction or a revision decision — who, when, from where to where, and why."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("Status change")
        APPROVAL = "approval", _("Approval")
        COMMENT = "comment", _("Comment")
        TAGS = "tags", _("Tags corrected")
        REVISION = "revision", _("Revision")
        CLAIM = "claim", _("Claim")

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSITION)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=CaseStudy.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CaseStudy.Status.choices, blank=True)
    comment = models.TextField(blank=True, max_length=text.COMMENT_MAX)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case_study", "created_at"])]
        constraints = _length_limits("moderation_event", {"comment": text.COMMENT_MAX})

    def __str__(self) -> str:
        if self.kind == self.Kind.TRANSITION:
            return f"{self.from_status or 'new'} → {self.to_status}"
        return self.get_kind_display()


class CaseRevision(models.Model):
    """Proposed changes to a published case; the published text stays until a moderator
    approves. ``data`` holds the full proposed content (fields, term ids, references)."""

    class Status(models.TextChoices):
        EDITING = "editing", _("Being edited")
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    OPEN = (Status.EDITING, Status.PENDING)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EDITING)
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    base_version = models.PositiveIntegerField(help_text="The case version it was started from.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=text.COMMENT_MAX)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_study"],
                condition=Q(status__in=["editing", "pending"]),
                name="one_open_revision_per_case",
            ),
            *_length_limits("case_revision", {"comment": text.COMMENT_MAX}),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"Revision of {self.case_study}"
