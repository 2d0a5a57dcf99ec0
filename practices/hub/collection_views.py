"""Collection pages: the readers' list and page, and the moderators' curation pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import moderator_required
from practices.discovery.views import sign_in_first
from practices.exceptions import CollectionRefused, StaleEdit
from practices.hub import collection_selectors as selectors
from practices.hub import collection_services as services
from practices.hub.collection_forms import (
    CollectionForm,
    CollectionItemAddForm,
    CollectionItemNoteForm,
)
from practices.hub.collection_models import Collection

PAGE_SIZE = 20


def collection_list(request: HttpRequest) -> HttpResponse:
    """The collections the reader may read, each with the number of its cases *they* may read."""
    if response := sign_in_first(request):
        return response
    page = Paginator(selectors.collection_list(actor=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "practices/hub/collection_list.html", {"page": page})


def collection_detail(request: HttpRequest, uuid) -> HttpResponse:
    """A collection: its synthesis, workshop details and the cases the reader may read."""
    if response := sign_in_first(request):
        return response
    collection = selectors.collection_get(actor=request.user, uuid=uuid)
    items = selectors.collection_items_visible(actor=request.user, collections=[collection])
    return render(
        request,
        "practices/hub/collection_detail.html",
        {"collection": collection, "items": items[collection.pk]},
    )


def _curated(request: HttpRequest, uuid) -> Collection:
    return selectors.collection_get(actor=request.user, uuid=uuid)


def _curate_url(collection: Collection, anchor: str = "") -> str:
    return reverse("practices:collection-curate", args=[collection.uuid]) + anchor


@moderator_required
def collection_create(request: HttpRequest) -> HttpResponse:
    """Start a collection (moderators): it stays a draft until published."""
    form = CollectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                collection = services.collection_create(actor=request.user, **form.service_kwargs())
            except CollectionRefused as exc:
                form.add_error(exc.field or None, str(exc))
            else:
                messages.success(request, _("Collection created as a draft. Now add cases."))
                return redirect(_curate_url(collection))
        status = 400
    return render(request, "practices/hub/collection_form.html", {"form": form}, status=status)


def _curate_page(request, collection, *, form=None, add_form=None, status=200) -> HttpResponse:
    items = selectors.collection_items_visible(actor=request.user, collections=[collection])
    return render(
        request,
        "practices/hub/collection_curate.html",
        {
            "collection": collection,
            "form": form or CollectionForm.for_collection(collection),
            "add_form": add_form or CollectionItemAddForm(),
            "items": items[collection.pk],
        },
        status=status,
    )


@moderator_required
def collection_curate(request: HttpRequest, uuid) -> HttpResponse:
    """The moderators' page for one collection: its text, its cases, publishing."""
    collection = _curated(request, uuid)
    if request.method != "POST":
        return _curate_page(request, collection)
    form = CollectionForm.for_collection(collection, data=request.POST)
    if form.is_valid():
        try:
            services.collection_update(
                actor=request.user,
                collection=collection,
                expected_version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except (CollectionRefused, StaleEdit) as exc:
            form.add_error(getattr(exc, "field", "") or None, str(exc))
        else:
            messages.success(request, _("Collection saved."))
            return redirect(_curate_url(collection))
    return _curate_page(request, collection, form=form, status=400)


@require_POST
@moderator_required
def collection_item_add(request: HttpRequest, uuid) -> HttpResponse:
    collection = _curated(request, uuid)
    form = CollectionItemAddForm(request.POST)
    if form.is_valid():
        try:
            services.collection_item_add(
                actor=request.user,
                collection=collection,
                reference=form.cleaned_data["case"],
                note=form.cleaned_data["note"],
            )
        except CollectionRefused as exc:
            form.add_error(exc.field or None, str(exc))
        else:
            messages.success(request, _("Case added."))
            return redirect(_curate_url(collection, "#cases"))
    return _curate_page(request, collection, add_form=form, status=400)


def _item_action(request, uuid, act) -> HttpResponse:
    collection = _curated(request, uuid)
    try:
        message = act(collection)
    except CollectionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect(_curate_url(collection, "#cases"))


@require_POST
@moderator_required
def collection_item_remove(request: HttpRequest, uuid, case_uuid) -> HttpResponse:
    def act(collection):
        services.collection_item_remove(
            actor=request.user, collection=collection, case_uuid=case_uuid
        )
        return _("Case removed from the collection.")

    return _item_action(request, uuid, act)


@require_POST
@moderator_required
def collection_item_move(request: HttpRequest, uuid, case_uuid, direction: str) -> HttpResponse:
    if direction not in ("up", "down"):
        raise Http404

    def act(collection):
        services.collection_item_move(
            actor=request.user, collection=collection, case_uuid=case_uuid, direction=direction
        )
        return _("Case moved.")

    return _item_action(request, uuid, act)


@require_POST
@moderator_required
def collection_item_note(request: HttpRequest, uuid, case_uuid) -> HttpResponse:
    form = CollectionItemNoteForm(request.POST)

    def act(collection):
        if not form.is_valid():
            raise CollectionRefused(" ".join(form.errors.get("note", [])), field="note")
        services.collection_item_note_set(
            actor=request.user,
            collection=collection,
            case_uuid=case_uuid,
            note=form.cleaned_data["note"],
        )
        return _("Note saved.")

    return _item_action(request, uuid, act)


@require_POST
@moderator_required
def collection_publish(request: HttpRequest, uuid) -> HttpResponse:
    collection = _curated(request, uuid)
    publish = request.POST.get("publish") == "1"
    service = services.collection_publish if publish else services.collection_unpublish
    try:
        service(actor=request.user, collection=collection)
    except (CollectionRefused, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Collection published.") if publish else _("Collection back to draft."),
        )
    return redirect(_curate_url(collection))
