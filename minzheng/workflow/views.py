"""The inbox page: open cases of every workflow in the user's scope, the most urgent first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from minzheng.workflow.selectors import inbox


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    items = inbox(user=request.user, on=today)
    return render(
        request,
        "workflow/inbox.html",
        {"items": items, "overdue": sum(1 for item in items if item.is_overdue), "today": today},
    )
