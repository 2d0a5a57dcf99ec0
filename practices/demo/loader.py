"""Demo case studies: 32 fictional incidents and responses, marked as demo, safe to load again.

The cases are written in ``data/cases.yaml``; this module reads them, checks them and seeds them.

Rules of ``seed_cases``:

- Every case is fictional, its title ends with " (demo)", and it names no real person and blames
  no real agency: actors are described with the neutral threat-actor terms. References point
  only at example.org and example.com.
- Each case has a fixed UUID (``uuid5`` of ``DEMO_NAMESPACE`` and its title). A missing case is
  created; an existing one is left exactly as it is, since people may have moved it on in the
  demo. Nothing is ever duplicated.
- The status and its timestamps (``submitted_at``, ``submission_round``, ``published_at``,
  ``withdrawn_at``) are set directly, with the ``ModerationEvent`` trail that leads to the
  status and an ``Approval`` for each publication, following ``practices.moderation``: the
  author drafts, submits and resubmits; a hub moderator, never of the case's own organisation,
  requests changes, publishes or rejects; an admin of the organisation withdraws a published
  case. Requests for changes, rejections and withdrawals carry a comment.
- Restricted (AMBER, AMBER+STRICT) cases name one to three recipient organisations; no case is
  TLP:RED. Submitted and later cases are complete by ``case_study_missing``; drafts need not be.

Rules of the data file: every case has the keys ``DemoCase`` requires and no key it does not
know, each value has the expected type, and titles are unique. A mistake stops the import of
this module with an error that names the case, before anything is written.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction
from django.utils.text import slugify

from accounts.models import Organisation, User
from practices.cases.models import CaseStudy, ModerationEvent, Reference
from practices.cases.revisions import EDITABLE_FIELDS
from practices.hub.access import access_request_create
from practices.hub.models import AccessRequest
from practices.moderation.models import Approval
from practices.vocabularies.models import Taxonomy, Term

DATA_FILE = Path(__file__).resolve().parent / "data" / "cases.yaml"

# Changing this (or a title) gives the case a new identity: the old row would stay behind.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/cdpe/demo-case-studies")

Status = CaseStudy.Status

# The usual way to each status; a case may give its own ``path`` (e.g. a round of changes).
PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.DRAFT,),
    Status.SUBMITTED: (Status.DRAFT, Status.SUBMITTED),
    Status.CHANGES_REQUESTED: (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED),
    Status.PUBLISHED: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED),
    Status.REJECTED: (Status.DRAFT, Status.SUBMITTED, Status.REJECTED),
    Status.WITHDRAWN: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.WITHDRAWN),
}
MODERATOR_STEPS = (Status.CHANGES_REQUESTED, Status.PUBLISHED, Status.REJECTED)
COMMENTED_STEPS = (Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN)
# Days after the previous step, and the hour of day, so that the trail reads like real work.
STEP_DELAY = {
    Status.DRAFT: (0, 9),
    Status.SUBMITTED: (7, 11),
    Status.CHANGES_REQUESTED: (3, 15),
    Status.PUBLISHED: (3, 10),
    Status.REJECTED: (4, 14),
    Status.WITHDRAWN: (12, 16),
}


@dataclass(frozen=True)
class DemoCase:
    """One demo case as read from the data file: text as it will be stored, terms as codes."""

    title: str
    organisation: str  # demo organisation slug
    author: str  # e-mail of a member of that organisation
    status: str
    tlp: str
    drafted: date  # the day the draft was started; later steps follow STEP_DELAY
    summary: str
    language: str = "en"  # the language the case is written in (ISO 639-1)
    summary_translation: str = ""
    summary_translation_language: str = ""
    incident: str = ""
    audiences: str = ""
    incident_start: date | None = None
    incident_end: date | None = None
    attribution_confidence: str = CaseStudy.AttributionConfidence.UNATTRIBUTED
    response: str = ""
    responders: str = ""
    response_start: date | None = None
    response_end: date | None = None
    resources: str = ""
    outcome: str = ""
    effectiveness: str = CaseStudy.Effectiveness.NOT_ASSESSED
    evidence: str = ""
    lessons: str = ""
    recommendations: str = ""
    attribution_mode: str = CaseStudy.AttributionMode.NAMED
    discoverable: bool = False  # AMBER only: its stub is offered for access requests
    recipients: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    red: tuple[str, ...] = ()
    blue: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()  # (url, title)
    path: tuple[str, ...] = ()
    moderator: str = "moderator@hub.demo"
    withdrawn_by: str = ""  # an admin of the organisation, for withdrawn cases
    comments: tuple[tuple[str, str], ...] = ()  # (to_status, comment) for commented steps
    # (field, value) as the text read when changes were last requested, for a case submitted
    # again since: the review page shows the difference (practices.moderation.selectors).
    before_changes: tuple[tuple[str, Any], ...] = ()

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_NAMESPACE, self.title)

    @property
    def steps(self) -> tuple[str, ...]:
        return self.path or PATHS[self.status]

    def term_codes(self) -> dict[str, tuple[str, ...]]:
        return {
            "region": self.region,
            "country": self.countries,
            "language": self.languages,
            "disarm-red": self.red,
            "disarm-blue": self.blue,
            "platform": self.platforms,
            "theme": self.themes,
            "threat-actor": self.actor,
        }


# --- Reading the data file ---------------------------------------------------------------------
# Each reader checks one value as YAML gives it and returns it as DemoCase holds it; a ValueError
# says what is wrong, and _case_read adds which case and key.


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _prose(value: Any) -> str:
    """Plain-text fields are written as wrapped blocks; store them as single lines."""
    return " ".join(_text(value).split())


def _markdown(value: Any) -> str:
    return _text(value).strip()


def _day(value: Any) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError("must be a date, written YYYY-MM-DD")
    return value


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        # YAML reads some bare codes as other types, e.g. NO (Norway) as false.
        raise ValueError("must be a list of text (quote items such as 'NO')")
    return tuple(value)


def _choice(choices: type[models.TextChoices]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in choices.values:
            raise ValueError(f"must be one of {', '.join(choices.values)}")
        return value

    return read


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _statuses(value: Any) -> tuple[str, ...]:
    return tuple(_choice(Status)(step) for step in _codes(value))


def _references(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and set(item) == {"url", "title"} for item in value
    ):
        raise ValueError("must be a list of entries with exactly a url and a title")
    return tuple((_text(item["url"]), _text(item["title"])) for item in value)


def _comments(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not set(value) <= set(COMMENTED_STEPS):
        raise ValueError(f"must map some of {', '.join(COMMENTED_STEPS)} to a comment")
    return tuple((step, _prose(comment)) for step, comment in value.items())


def _before_changes(value: Any) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict) or not set(value) <= set(EDITABLE_FIELDS):
        raise ValueError("must map some of the case's editable fields to their earlier text")
    return tuple(
        (field, _markdown(text) if isinstance(text, str) else text) for field, text in value.items()
    )


READERS: dict[str, Callable[[Any], Any]] = {
    "title": _text,
    "organisation": _text,
    "author": _text,
    "status": _choice(Status),
    "tlp": _choice(CaseStudy.TLP),
    "drafted": _day,
    "summary": _prose,
    "language": _text,
    "summary_translation": _prose,
    "summary_translation_language": _text,
    "incident": _markdown,
    "audiences": _prose,
    "incident_start": _day,
    "incident_end": _day,
    "attribution_confidence": _choice(CaseStudy.AttributionConfidence),
    "response": _markdown,
    "responders": _prose,
    "response_start": _day,
    "response_end": _day,
    "resources": _markdown,
    "outcome": _markdown,
    "effectiveness": _choice(CaseStudy.Effectiveness),
    "evidence": _choice(CaseStudy.Evidence),
    "lessons": _markdown,
    "recommendations": _markdown,
    "attribution_mode": _choice(CaseStudy.AttributionMode),
    "discoverable": _flag,
    **dict.fromkeys(
        ("recipients", "region", "countries", "languages", "red", "blue", "platforms", "themes"),
        _codes,
    ),
    "actor": _codes,
    "keywords": _codes,
    "references": _references,
    "path": _statuses,
    "moderator": _text,
    "withdrawn_by": _text,
    "comments": _comments,
    "before_changes": _before_changes,
}
REQUIRED = frozenset(f.name for f in fields(DemoCase) if f.default is MISSING)


def _case_read(entry: Any, number: int, source: str) -> DemoCase:
    """One entry of the data file as a DemoCase; any mistake names the case and the key."""
    where = f"{source}, case {number}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be a mapping of keys to values")
    if isinstance(entry.get("title"), str):
        where = f"{where} ({entry['title']})"
    unknown = sorted(set(entry) - set(READERS), key=str)
    missing = sorted(REQUIRED - set(entry))
    if unknown or missing:
        problems = [f"unknown keys {', '.join(map(str, unknown))}"] if unknown else []
        problems += [f"missing keys {', '.join(missing)}"] if missing else []
        raise ValueError(f"{where}: {'; '.join(problems)}")
    values = {}
    for key, value in entry.items():
        try:
            values[key] = READERS[key](value)
        except ValueError as error:
            raise ValueError(f"{where}: {key} {error}") from None
    return DemoCase(**values)


def cases_load(path: Path = DATA_FILE) -> tuple[DemoCase, ...]:
    """Read and check the demo cases, in the file's order (the order they are inserted in)."""
    with path.open(encoding="utf-8") as file:
        entries = yaml.safe_load(file)
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}: must be a list of cases")
    cases = tuple(_case_read(entry, n, path.name) for n, entry in enumerate(entries, start=1))
    # Two cases with one title would share a UUID: the second could never be created.
    repeated = [title for title, n in Counter(c.title for c in cases).items() if n > 1]
    if repeated:
        raise ValueError(f"{path.name}: titles used more than once: {'; '.join(repeated)}")
    return cases


CASES: tuple[DemoCase, ...] = cases_load()


# --- Seeding -----------------------------------------------------------------------------------


def _step_actor(spec: DemoCase, step: str, people: dict[str, User]) -> User:
    """Who takes a step, by the rules of the moderation workflow.

    The author's organisation is the case's (``_case_build`` checks it).
    """
    author = people[spec.author]
    if step in MODERATOR_STEPS:
        moderator = people[spec.moderator]
        # Four-eyes: a moderator never acts on a case from their own organisation.
        if not moderator.is_moderator or moderator.organisation_id == author.organisation_id:
            raise ValueError(f"{spec.title}: {spec.moderator} cannot moderate this case")
        return moderator
    if step == Status.WITHDRAWN:
        admin = people.get(spec.withdrawn_by)
        if admin is None or admin.organisation_id != author.organisation_id:
            raise ValueError(f"{spec.title}: an admin of {spec.organisation} withdraws it")
        if not admin.is_org_admin:
            raise ValueError(f"{spec.title}: {spec.withdrawn_by} is not an organisation admin")
        return admin
    return author


def _approvals(case: CaseStudy, trail: list[ModerationEvent]) -> list[Approval]:
    """The approval behind each publication, in the round it was given, as the workflow makes
    them (one approval publishes unless MODERATION_APPROVALS asks for more)."""
    approvals, round_ = [], 0
    for event in trail:
        if event.to_status == Status.SUBMITTED:
            round_ += 1
        elif event.to_status == Status.PUBLISHED:
            approvals.append(
                Approval(
                    case_study=case,
                    moderator=event.actor,
                    round=round_,
                    created_at=event.created_at,
                )
            )
    return approvals


def _trail(spec: DemoCase, people: dict[str, User]) -> list[ModerationEvent]:
    """The moderation events for the case's path, unsaved, with their intended times."""
    steps = spec.steps
    if steps[0] != Status.DRAFT or steps[-1] != spec.status:
        raise ValueError(f"{spec.title}: the path must run from draft to {spec.status}")
    comments = dict(spec.comments)
    when = datetime.combine(spec.drafted, time(), tzinfo=UTC)
    events = []
    for previous, step in zip(("", *steps[:-1]), steps, strict=True):
        days, hour = STEP_DELAY[step]
        when = datetime.combine((when + timedelta(days=days)).date(), time(hour), tzinfo=UTC)
        if step in COMMENTED_STEPS and not comments.get(step):
            raise ValueError(f"{spec.title}: the step to {step} needs a comment")
        events.append(
            ModerationEvent(
                actor=_step_actor(spec, step, people),
                from_status=previous,
                to_status=step,
                comment=comments.get(step, "") if step in COMMENTED_STEPS else "",
                created_at=when,
            )
        )
    return events


def _case_build(
    spec: DemoCase,
    organisations: dict[str, Organisation],
    people: dict[str, User],
    events: list[ModerationEvent],
) -> CaseStudy:
    """The case as it should be stored, checked like any case, not yet saved."""
    if not spec.title.endswith(" (demo)"):
        raise ValueError(f"{spec.title}: demo titles end with ' (demo)'")
    if (spec.tlp in CaseStudy.RESTRICTED_TLPS) != bool(spec.recipients):
        raise ValueError(f"{spec.title}: recipients go with AMBER and AMBER+STRICT, and only there")
    author = people[spec.author]
    organisation = organisations[spec.organisation]
    if author.organisation_id != organisation.pk:
        raise ValueError(f"{spec.title}: {spec.author} is not a member of {spec.organisation}")
    times = {step: [e.created_at for e in events if e.to_status == step] for step in Status}
    fields = {
        "uuid": spec.uuid,
        "organisation": organisation,
        "created_by": author,
        "status": spec.status,
        "title": spec.title,
        "summary": spec.summary,
        "language": spec.language,
        "summary_translation": spec.summary_translation,
        "summary_translation_language": spec.summary_translation_language,
        "incident": spec.incident,
        "attribution_confidence": spec.attribution_confidence,
        "audiences": spec.audiences,
        "incident_start": spec.incident_start,
        "incident_end": spec.incident_end,
        "response": spec.response,
        "responders": spec.responders,
        "response_start": spec.response_start,
        "response_end": spec.response_end,
        "resources": spec.resources,
        "outcome": spec.outcome,
        "effectiveness": spec.effectiveness,
        "evidence": spec.evidence,
        "lessons": spec.lessons,
        "recommendations": spec.recommendations,
        "tlp": spec.tlp,
        "attribution_mode": spec.attribution_mode,
        "discoverable": spec.discoverable,
        # As practices.moderation sets them: the last submission counts, and each one opens a
        # new round of approvals.
        "submitted_at": max(times[Status.SUBMITTED], default=None),
        "submission_round": len(times[Status.SUBMITTED]),
        "published_at": max(times[Status.PUBLISHED], default=None),
        "withdrawn_at": max(times[Status.WITHDRAWN], default=None),
    }
    case = CaseStudy(**fields)
    # Checked like any case: choices, lengths, dates in order, never TLP:RED (clean() refuses
    # it, so the same rule as a database constraint need not cost a query per case). The
    # organisation and author come from seed_accounts, so their existence is not re-queried.
    case.full_clean(
        exclude=["organisation", "created_by"], validate_unique=False, validate_constraints=False
    )
    return case


def _terms_lookup(specs: list[DemoCase]) -> dict[tuple[str, str], Term]:
    """Every vocabulary term the cases use, fetched at once; a missing one stops the seed.

    Keywords are made on demand, as when people type them; they are keyed ("keyword", label).
    """
    wanted = {
        (slug, code)
        for spec in specs
        for slug, codes in spec.term_codes().items()
        for code in codes
    }
    found = {
        (term.taxonomy.slug, term.code): term
        for term in Term.objects.select_related("taxonomy").filter(
            taxonomy__slug__in={slug for slug, _ in wanted},
            code__in={code for _, code in wanted},
        )
    }
    missing = sorted(wanted - set(found))
    if missing:
        listed = ", ".join(f"{slug}:{code}" for slug, code in missing)
        raise ValueError(
            f"Demo cases use terms that are not loaded (run vocabularies_load): {listed}"
        )
    labels = list(dict.fromkeys(label for spec in specs for label in spec.keywords))
    if labels:
        # One insert instead of a get_or_create per keyword, with the codes keywords_to_terms
        # gives, so these are the terms people get when they type the same keywords.
        taxonomy = Taxonomy.objects.get(slug="keyword")
        codes = {label: _keyword_code(label) for label in labels}
        Term.objects.bulk_create(
            [Term(taxonomy=taxonomy, code=codes[label], label=label) for label in labels],
            ignore_conflicts=True,
        )
        by_code = {
            t.code: t for t in Term.objects.filter(taxonomy=taxonomy, code__in=codes.values())
        }
        found |= {("keyword", label): by_code[codes[label]] for label in labels}
    return found


def _as_stored(value: Any) -> Any:
    # As practices.cases.revisions stores content: dates as ISO text.
    return value.isoformat() if isinstance(value, date) else value


def _snapshot_before_changes(
    spec: DemoCase,
    case: CaseStudy,
    trail: list[ModerationEvent],
    *,
    terms: list[int],
    recipients: list[int],
    references: list[Reference],
) -> None:
    """On the last "changes requested" of a case submitted again since, the content as the
    moderator read it then (as ``case_study_request_changes`` stores it): today's content with
    the spec's ``before_changes`` in place of what was changed."""
    requests = [e for e in trail if e.to_status == Status.CHANGES_REQUESTED]
    if not spec.before_changes or not requests or trail[-1].to_status != Status.SUBMITTED:
        return
    fields = {f: _as_stored(getattr(case, f)) for f in EDITABLE_FIELDS}
    fields |= {f: _as_stored(v) for f, v in spec.before_changes}
    requests[-1].details = {
        "snapshot": {
            "fields": fields,
            "terms": sorted(terms),
            "recipients": sorted(recipients),
            "references": [
                {"url": r.url, "title": r.title, "archive_url": r.archive_url} for r in references
            ],
        }
    }


def _keyword_code(label: str) -> str:
    """The code ``practices.cases.services.keywords_to_terms`` gives a typed keyword."""
    return slugify(label)[:64] or label[:64]


def _insert_keep_times(objects: list) -> None:
    """Insert rows whose ``created_at`` (and ``updated_at``) must keep the values given.

    bulk_create lets auto_now(_add) overwrite them, on the objects too; bulk_update writes the
    intended values back, since it does not call pre_save.
    """
    if not objects:
        return
    model = type(objects[0])
    names = [n for n in ("created_at", "updated_at") if hasattr(objects[0], n)]
    times = [[getattr(obj, n) for n in names] for obj in objects]
    saved = model.objects.bulk_create(objects)
    for obj, values in zip(saved, times, strict=True):
        for name, value in zip(names, values, strict=True):
            setattr(obj, name, value)
    model.objects.bulk_update(saved, names, batch_size=500)


@transaction.atomic
def seed_cases(organisations: dict[str, Organisation], people: dict[str, User]) -> int:
    """Create the demo case studies that do not exist yet; returns how many exist afterwards.

    A demo case that exists is left as it is: ``make run`` seeds at every start, and people
    may have moved demo cases on (submitted, published, commented) in the meantime. Delete a
    case to have it created afresh. ``organisations`` and ``people`` are what
    ``accounts.demo.seed_accounts`` returns; the vocabularies must be loaded first.
    """
    uuids = [spec.uuid for spec in CASES]
    existing = set(CaseStudy.objects.filter(uuid__in=uuids).values_list("uuid", flat=True))
    specs = [spec for spec in CASES if spec.uuid not in existing]
    if not specs:
        return len(existing)
    terms = _terms_lookup(specs)
    # Everything is built and checked before the first write.
    trails = [_trail(spec, people) for spec in specs]
    cases = [
        _case_build(spec, organisations, people, events)
        for spec, events in zip(specs, trails, strict=True)
    ]
    for case, events in zip(cases, trails, strict=True):
        # The case's own timestamps follow its trail, not the day the seed ran.
        case.created_at, case.updated_at = events[0].created_at, events[-1].created_at
    _insert_keep_times(cases)

    term_links, recipient_links, references, events, approvals = [], [], [], [], []
    for spec, case, trail in zip(specs, cases, trails, strict=True):
        codes = [*spec.term_codes().items(), ("keyword", spec.keywords)]
        term_links += [
            CaseStudy.terms.through(casestudy_id=case.pk, term_id=terms[slug, code].pk)
            for slug, chosen in codes
            for code in chosen
        ]
        case_recipients = [
            CaseStudy.recipients.through(
                casestudy_id=case.pk, organisation_id=organisations[slug].pk
            )
            for slug in spec.recipients
        ]
        case_references = [
            Reference(case_study=case, url=url, title=title, position=position)
            for position, (url, title) in enumerate(spec.references)
        ]
        recipient_links += case_recipients
        references += case_references
        for event in trail:
            event.case_study = case
        _snapshot_before_changes(
            spec,
            case,
            trail,
            terms=[terms[slug, code].pk for slug, chosen in codes for code in chosen],
            recipients=[link.organisation_id for link in case_recipients],
            references=case_references,
        )
        events += trail
        approvals += _approvals(case, trail)
    CaseStudy.terms.through.objects.bulk_create(term_links)
    CaseStudy.recipients.through.objects.bulk_create(recipient_links)
    Reference.objects.bulk_create(references)
    _insert_keep_times(events)
    _insert_keep_times(approvals)
    return CaseStudy.objects.filter(uuid__in=uuids).count()


# --- Access requests ---------------------------------------------------------------------------

# (case title, asking person): a request waiting for the originating organisation's admins.
ACCESS_REQUESTS = [
    (
        "Fabricated 'leaked documents' on AUKUS submarine costs (demo)",
        "member@jp.demo",
        "Our office is tracking forged cabinet documents about defence spending; we would like "
        "to compare how the forgery was exposed and what the public statement said. (demo)",
    ),
]


def seed_access_requests(people: dict[str, User]) -> int:
    """Ask for access to the discoverable demo cases, once: a request is made only when that
    organisation never asked for that case, so a request people granted, declined or withdrew
    in the demo is not made again. Goes through the hub's service, as a person would. Returns
    how many requests were made."""
    made = 0
    for title, email, reason in ACCESS_REQUESTS:
        person = people[email]
        case = CaseStudy.objects.filter(uuid=uuid.uuid5(DEMO_NAMESPACE, title)).first()
        if (
            case is None
            or not CaseStudy.objects.discoverable_by(person).filter(pk=case.pk).exists()
        ):
            continue  # changed in the demo: no longer offered to them
        if AccessRequest.objects.filter(case_study=case, organisation=person.organisation).exists():
            continue
        access_request_create(actor=person, case_study=case, reason=reason)
        made += 1
    return made
