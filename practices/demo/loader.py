"""Demo case studies: 32 fictional incidents and responses, marked as demo, safe to load again.

The cases are written in ``data/cases.yaml`` and read and checked by ``case_file``; this module
seeds them.

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
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.models import Organisation, User
from practices.cases.models import CaseStudy, ModerationEvent, Reference
from practices.cases.revisions import EDITABLE_FIELDS
from practices.demo.case_file import CASES, COMMENTED_STEPS, MODERATOR_STEPS, DemoCase, Status
from practices.moderation.models import Approval
from practices.vocabularies.models import Taxonomy, Term

# Days after the previous step, and the hour of day, so that the trail reads like real work.
STEP_DELAY = {
    Status.DRAFT: (0, 9),
    Status.SUBMITTED: (7, 11),
    Status.CHANGES_REQUESTED: (3, 15),
    Status.PUBLISHED: (3, 10),
    Status.REJECTED: (4, 14),
    Status.WITHDRAWN: (12, 16),
}


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
