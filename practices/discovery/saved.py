"""Saved-search pages: save the current search from the browse page, list, rename, change the
e-mail frequency and delete one's own, and the one-click unsubscribe link from alert mail.

Another person's saved search answers 404, like a missing one. The unsubscribe link needs no
sign-in: it carries a signed, dated token (``alerts.unsubscribe_token``) naming one saved
search, and its GET only shows a confirmation page whose button POSTs, so a mail scanner
following links changes nothing. (The outbox has no per-message headers yet, so there are no
RFC 8058 ``List-Unsubscribe`` headers to allow a GET that acts.)
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from practices.cases.models import CaseStudy
from practices.discovery import alerts, services
from practices.discovery.filters import CaseStudyFilterSet
from practices.discovery.models import SavedSearch
from practices.exceptions import SavedSearchRefused

QUERY_MAX_CHARS = SavedSearch._meta.get_field("query").max_length


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Up to 100 characters, e.g. “Election rumours in the Baltics”."),
        error_messages={
            "required": _("Give the search a name so you can find it again."),
            "max_length": _("Keep the name to 100 characters or fewer (it has %(show_value)d)."),
        },
    )
    frequency = forms.ChoiceField(
        label=_("E-mail me new matching cases"),
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.NONE,
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the search a name so you can find it again."))
        return name


class SavedSearchCreateForm(SavedSearchForm):
    query = forms.CharField(required=False, label=_("Search"), widget=forms.HiddenInput)

    def clean_query(self) -> str:
        query = services.saved_search_query_normalise(self.cleaned_data.get("query", ""))
        if len(query) > QUERY_MAX_CHARS:
            raise forms.ValidationError(
                _(
                    "This search has too many filters to save (its address is longer than "
                    "%(limit)s characters). Remove some filters, then save it again."
                )
                % {"limit": intcomma(QUERY_MAX_CHARS)}
            )
        filterset = CaseStudyFilterSet(QueryDict(query), queryset=CaseStudy.objects.none())
        if not filterset.is_valid():
            raise forms.ValidationError(
                _(
                    "Some filters of this search are not valid. Correct them on the browse page, "
                    "then save the search again."
                )
            )
        return query


def _own(request: HttpRequest, uuid) -> SavedSearch:
    saved_search = SavedSearch.objects.filter(owner=request.user, uuid=uuid).first()
    if saved_search is None:
        raise Http404(_("No saved search of yours has this address."))
    return saved_search


def _browse_url(query: str) -> str:
    url = reverse("practices:case-list")
    return f"{url}?{query}" if query else url


@login_required
def saved_search_list(request: HttpRequest) -> HttpResponse:
    """The signed-in person's saved searches."""
    searches = SavedSearch.objects.filter(owner=request.user).order_by("name", "pk")
    rows = [(search, _browse_url(search.query)) for search in searches]
    return render(
        request,
        "practices/discovery/saved_search_list.html",
        {"rows": rows, "limit": services.MAX_SAVED_SEARCHES},
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """Save the browse page's current search (the form of ``_save_search.html``)."""
    if request.method == "GET":
        # Where sign-in returns someone who tried to save while signed out: the form lives on
        # the browse page, so send them to their list, which says how to save.
        return redirect("practices:saved-search-list")
    form = SavedSearchCreateForm(request.POST)
    if form.is_valid():
        try:
            saved_search = services.saved_search_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                frequency=form.cleaned_data["frequency"],
            )
        except SavedSearchRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Saved “{saved_search.name}”. Find it, change its e-mail or delete it under "
                "Saved searches.",
            )
            return redirect(_browse_url(saved_search.query))
    query = services.saved_search_query_normalise(request.POST.get("query", ""))
    return render(
        request,
        "practices/discovery/saved_search_form.html",
        {"form": form, "creating": True, "browse_url": _browse_url(query)},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def saved_search_edit(request: HttpRequest, uuid) -> HttpResponse:
    """Rename one's saved search or change how often it e-mails."""
    saved_search = _own(request, uuid)
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if form.is_valid():
            services.saved_search_update(
                saved_search=saved_search,
                name=form.cleaned_data["name"],
                frequency=form.cleaned_data["frequency"],
            )
            messages.success(request, _("Saved “%(name)s”.") % {"name": saved_search.name})
            return redirect("practices:saved-search-list")
        status = 400
    else:
        form = SavedSearchForm(
            initial={"name": saved_search.name, "frequency": saved_search.frequency}
        )
        status = 200
    return render(
        request,
        "practices/discovery/saved_search_form.html",
        {
            "form": form,
            "saved_search": saved_search,
            "browse_url": _browse_url(saved_search.query),
        },
        status=status,
    )


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, uuid) -> HttpResponse:
    """Delete one's saved search."""
    saved_search = _own(request, uuid)
    name = saved_search.name
    services.saved_search_delete(saved_search=saved_search)
    messages.success(request, _("Deleted the saved search “%(name)s”.") % {"name": name})
    return redirect("practices:saved-search-list")


# No sign-in: the signed token is the permission, and it allows exactly one change.
@require_http_methods(["GET", "POST"])
def saved_search_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Stop the e-mail of the saved search named by the token (GET asks, POST does it)."""
    template = "practices/discovery/unsubscribe.html"
    try:
        uuid = alerts.unsubscribe_token_read(token)
    except signing.SignatureExpired:
        return render(request, template, {"problem": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, template, {"problem": "invalid"}, status=400)
    saved_search = SavedSearch.objects.filter(uuid=uuid).first()
    if saved_search is None:
        return render(request, template, {"problem": "deleted"}, status=410)
    done = saved_search.frequency == SavedSearch.Frequency.NONE
    if request.method == "POST" and not done:
        services.saved_search_unsubscribe(saved_search=saved_search)
        done = True
    return render(request, template, {"saved_search": saved_search, "done": done})
