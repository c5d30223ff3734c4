"""Eldercare pages: the dashboard, an elder's page, ability assessments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "eldercare/dashboard.html", {})


@login_required
def elder_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    raise NotImplementedError


@login_required
def assessment_create(request: HttpRequest, person_id: int) -> HttpResponse:
    raise NotImplementedError


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    raise NotImplementedError
