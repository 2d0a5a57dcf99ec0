"""Pages and actions of the moderation workflow, for moderators and originating organisations."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Organisation
from accounts.permissions import member_required, moderator_required, two_factor_enforced
from practices.audit.filters import AuditEventFilterSet
from practices.cases import revisions as revision_drafts
from practices.cases import selectors as case_selectors
from practices.cases.forms import SECTIONS
from practices.cases.models import CaseRevision, CaseStudy
from practices.cases.querysets import actor_moderates, actor_owns
from practices.cases.services import case_study_missing
from practices.exceptions import IncompleteCase, PracticesError, TransitionRefused
from practices.moderation import keywords, revisions, selectors, transitions
from practices.moderation.forms import (
    CommentForm,
    DecisionForm,
    KeywordMergeForm,
    KeywordRenameForm,
    TagCorrectionForm,
)

ACTIONS = {
    "request_changes": (transitions.case_study_request_changes, _("Changes requested.")),
    "publish": (transitions.case_study_approve, None),
    "reject": (transitions.case_study_reject, _("Rejected.")),
    "withdraw": (transitions.case_study_withdraw, _("Withdrawn.")),
}


def _back(request: HttpRequest, case_study: CaseStudy) -> HttpResponse:
    # Moderators return to the review page, everyone else to the case page.
    if actor_moderates(request.user) and not actor_owns(request.user, case_study):
        return redirect("moderation:review", uuid=case_study.uuid)
    return redirect("practices:case-detail", uuid=case_study.uuid)


@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = {
        key: request.GET.get(key, "") for key in ("tlp", "region", "organisation", "claimed")
    }
    waiting = selectors.moderation_queue(actor=request.user, filters={})
    filtered = any(filters.values())
    items = selectors.moderation_queue(actor=request.user, filters=filters) if filtered else waiting
    return render(
        request,
        "practices/moderation/queue.html",
        {
            "items": items,
            "filtered": filtered,
            "waiting": len(waiting),
            "unclaimed": sum(1 for item in waiting if item["case"].claimed_by_id is None),
            "my_claims": [i for i in waiting if i["case"].claimed_by_id == request.user.pk],
            "filters": filters,
            "tlps": [c for c in CaseStudy.TLP.choices if c[0] != CaseStudy.TLP.RED],
            "organisations": Organisation.objects.active().values_list("slug", "name"),
        },
    )


@moderator_required
def review(request: HttpRequest, uuid) -> HttpResponse:
    """The whole case with the moderator's tools: decisions, tags, the thread, the diff."""
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    revision = case_study.revisions.filter(status=CaseRevision.Status.PENDING).first()
    own = actor_owns(request.user, case_study)
    current_terms = [t.pk for t in case_study.terms.all()]
    return render(
        request,
        "practices/moderation/review.html",
        {
            "case": case_study,
            "own": own,
            "tags": case_selectors.terms_by_taxonomy(case_study),
            "history": selectors.case_study_history(actor=request.user, case_study=case_study),
            "actions": [
                name
                for name in ("publish", "request_changes", "reject", "withdraw")
                if transitions.allowed(request.user, case_study, name)
            ],
            "approvals": case_study.approvals.filter(
                round=case_study.submission_round
            ).select_related("moderator"),
            "approvals_needed": transitions.approvals_needed(case_study),
            "revision": revision,
            "diff": selectors.revision_diff(case_study=case_study, revision=revision)
            if revision
            else [],
            "resubmission": selectors.resubmission_diff(case_study=case_study),
            "tag_form": TagCorrectionForm(current_terms=current_terms)
            if not own and case_study.status in ("submitted", "published")
            else None,
            "comment_form": CommentForm(),
            "decision_form": DecisionForm(),
        },
    )


@require_POST
@two_factor_enforced
def act(request: HttpRequest, uuid, action: str) -> HttpResponse:
    """Apply one transition; the service checks state and role and explains any refusal."""
    if action not in ACTIONS:
        raise Http404
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    form = DecisionForm(request.POST)
    form.is_valid()
    service, done = ACTIONS[action]
    try:
        result = service(
            actor=request.user, case_study=case_study, comment=form.cleaned_data.get("comment", "")
        )
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        if action == "publish":
            done = (
                _("Published.")
                if result
                else _("Approval recorded. Another moderator must approve before it is published.")
            )
        messages.success(request, done)
    return _back(request, case_study)


@require_POST
@moderator_required
def claim(request: HttpRequest, uuid) -> HttpResponse:
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    try:
        transitions.case_study_claim(actor=request.user, case_study=case_study)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You hold this item now."))
    # Claiming is the start of a review: open the case, from the queue as from its page.
    return redirect("moderation:review", uuid=uuid)


@require_POST
@moderator_required
def unclaim(request: HttpRequest, uuid) -> HttpResponse:
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    try:
        transitions.case_study_unclaim(actor=request.user, case_study=case_study)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Released."))
    return redirect("moderation:review", uuid=uuid)


@require_POST
@moderator_required
def retag(request: HttpRequest, uuid) -> HttpResponse:
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    form = TagCorrectionForm(request.POST, current_terms=[t.pk for t in case_study.terms.all()])
    if not form.is_valid():
        messages.error(request, _("Some of the chosen tags are not valid; nothing was changed."))
        return redirect("moderation:review", uuid=uuid)
    try:
        transitions.case_study_retag(
            actor=request.user,
            case_study=case_study,
            terms=form.chosen_terms(),
            comment=form.cleaned_data["comment"],
        )
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Tags saved; the change is in the case's history."))
    return redirect("moderation:review", uuid=uuid)


@require_POST
@two_factor_enforced
def comment(request: HttpRequest, uuid) -> HttpResponse:
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment (up to 5,000 characters) first."))
        return _back(request, case_study)
    try:
        transitions.case_study_comment(
            actor=request.user, case_study=case_study, body=form.cleaned_data["body"]
        )
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Comment added."))
    return _back(request, case_study)


def _revision(request: HttpRequest, uuid) -> tuple[CaseStudy, CaseRevision]:
    case_study = case_selectors.case_study_get(actor=request.user, uuid=uuid)
    revision = case_study.revisions.filter(status__in=CaseRevision.OPEN).first()
    if revision is None:
        raise Http404
    return case_study, revision


@require_POST
@two_factor_enforced
def revision_start(request: HttpRequest, uuid) -> HttpResponse:
    case_study = case_selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    try:
        revision_drafts.revision_start(actor=request.user, case_study=case_study)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
        return redirect("practices:case-detail", uuid=uuid)
    messages.info(
        request,
        "You are editing a revision. The published text stays as it is until a moderator "
        "approves your changes.",
    )
    return redirect("practices:case-edit", uuid=uuid, section="incident")


def _on_revision(request: HttpRequest, uuid, service, done: str) -> HttpResponse:
    """Apply an originator's move to the open revision and go back to the case page."""
    _case, revision = _revision(request, uuid)
    try:
        service(actor=request.user, revision=revision)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("practices:case-detail", uuid=uuid)


@require_POST
@two_factor_enforced
def revision_submit(request: HttpRequest, uuid) -> HttpResponse:
    return _on_revision(
        request, uuid, revisions.revision_submit, _("Revision sent to the moderators.")
    )


@require_POST
@two_factor_enforced
def revision_discard(request: HttpRequest, uuid) -> HttpResponse:
    return _on_revision(request, uuid, revision_drafts.revision_discard, _("Revision discarded."))


@require_POST
@moderator_required
def revision_decide(request: HttpRequest, uuid, decision: str) -> HttpResponse:
    _case, revision = _revision(request, uuid)
    form = DecisionForm(request.POST)
    form.is_valid()
    text = form.cleaned_data.get("comment", "")
    try:
        if decision == "approve":
            revisions.revision_approve(actor=request.user, revision=revision, comment=text)
        elif decision == "reject":
            revisions.revision_reject(actor=request.user, revision=revision, comment=text)
        else:
            raise Http404
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Revision published.") if decision == "approve" else _("Revision refused.")
        )
    return redirect("moderation:review", uuid=uuid)


@member_required
def case_submit(request: HttpRequest, uuid) -> HttpResponse:
    """Show what is missing; on POST send a complete case to the moderators."""
    case_study = case_selectors.case_study_editable_get(actor=request.user, uuid=uuid)
    missing = case_study_missing(case_study) if case_study.is_editable else []
    if request.method == "POST":
        try:
            transitions.case_study_submit(actor=request.user, case_study=case_study)
        except IncompleteCase as exc:
            missing = exc.missing
        except PracticesError as exc:
            messages.error(request, str(exc))
            return redirect("practices:case-detail", uuid=uuid)
        else:
            messages.success(
                request, _("Submitted. The hub's moderators will review it; you will see it here.")
            )
            return redirect("practices:case-detail", uuid=uuid)
    return render(
        request,
        "practices/cases/case_submit.html",
        {"case": case_study, "missing": missing, "sections": SECTIONS},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail, filterable, for moderators (operators use the admin)."""
    filterset = AuditEventFilterSet(
        request.GET,
        queryset=selectors.audit_event_list(actor=request.user).select_related("organisation"),
    )
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "practices/moderation/audit_log.html",
        {
            "filter": filterset,
            "page": page,
            "events": selectors.audit_events_readable(page.object_list),
            "query": query.urlencode(),
        },
    )


def _keyword_page(request: HttpRequest, *, rename=None, merge=None, status: int = 200):
    """The keyword list; with ?keyword=<code>, that keyword's rename and merge forms."""
    search = request.GET.get("q", "")[:200]
    listed = keywords.keyword_list(actor=request.user, search=search)
    code = request.POST.get("keyword") or request.GET.get("keyword")
    context: dict = {"keywords": listed, "search": search}
    if code:
        term, cases = keywords.keyword_get(actor=request.user, code=code)
        others = [
            (k["code"], k["label"])
            for k in keywords.keyword_list(actor=request.user)
            if k["code"] != term.code
        ]
        context |= {
            "keyword": term,
            "keyword_cases": cases,
            "rename_form": rename or KeywordRenameForm(initial={"label": term.label}),
            "merge_form": merge or KeywordMergeForm(choices=others),
        }
    return render(request, "practices/moderation/keywords.html", context, status=status)


@moderator_required
def keyword_list(request: HttpRequest) -> HttpResponse:
    return _keyword_page(request)


def _keyword_done(request: HttpRequest, change: keywords.KeywordChange, was: str):
    if change.merged:
        messages.success(
            request,
            _("“%(was)s” was merged into “%(now)s”.") % {"was": was, "now": change.keyword.label},
        )
    else:
        messages.success(
            request, _("“%(was)s” is now “%(now)s”.") % {"was": was, "now": change.keyword.label}
        )
    return redirect(f"{reverse('moderation:keywords')}?keyword={quote(change.keyword.code)}")


@require_POST
@moderator_required
def keyword_rename(request: HttpRequest) -> HttpResponse:
    term, _cases = keywords.keyword_get(actor=request.user, code=request.POST.get("keyword", ""))
    form = KeywordRenameForm(request.POST)
    if form.is_valid():
        try:
            change = keywords.keyword_rename(
                actor=request.user, keyword=term, label=form.cleaned_data["label"]
            )
        except keywords.KeywordRefused as exc:
            form.add_error("label" if exc.field == "label" else None, str(exc))
        else:
            return _keyword_done(request, change, term.label)
    return _keyword_page(request, rename=form, status=400)


@require_POST
@moderator_required
def keyword_merge(request: HttpRequest) -> HttpResponse:
    term, _cases = keywords.keyword_get(actor=request.user, code=request.POST.get("keyword", ""))
    others = [
        (k["code"], k["label"])
        for k in keywords.keyword_list(actor=request.user)
        if k["code"] != term.code
    ]
    form = KeywordMergeForm(request.POST, choices=others)
    if form.is_valid():
        into, _into_cases = keywords.keyword_get(actor=request.user, code=form.cleaned_data["into"])
        try:
            change = keywords.keyword_merge(actor=request.user, keyword=term, into=into)
        except keywords.KeywordRefused as exc:
            form.add_error("into" if exc.field == "into" else None, str(exc))
        else:
            return _keyword_done(request, change, term.label)
    return _keyword_page(request, merge=form, status=400)
