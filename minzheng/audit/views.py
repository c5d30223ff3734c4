"""The audit log page: parse the filters, call the selector, render (or export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minzheng.audit import selectors, services
from minzheng.audit.forms import AuditSearchForm
from minzheng.audit.models import AuditEvent

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def _search(
    request: HttpRequest,
) -> tuple[AuditSearchForm, selectors.AuditFilters, QuerySet[AuditEvent]]:
    """The form, its filters and the matching events (none while the form has errors)."""
    form = AuditSearchForm(request.GET or None)
    is_valid = not form.is_bound or form.is_valid()
    filters = form.filters() if form.is_bound and is_valid else selectors.AuditFilters()
    events = selectors.audit_event_search(user=request.user, filters=filters)
    return form, filters, events if is_valid else events.none()


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    form, _filters, events = _search(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "head": selectors.audit_chain_head(user=request.user),
        },
    )


@login_required
def event_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx (at most EXPORT_LIMIT entries); the export is audited."""
    form, filters, events = _search(request)
    if form.is_bound and form.errors:
        return event_list(request)
    content = services.audit_events_export(
        acting_user=request.user,
        events=events[:EXPORT_LIMIT].iterator(chunk_size=2000),
        filters=filters.summary(),
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"audit-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
