"""The ageing statistics page and the bulletin's download (老龄工作统计与公报)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.report import (
    DOCX,
    ageing_bulletin,
    bulletin_export,
    report_read_check,
    report_year,
)
from minzheng.registry.forms import StyledForm


class YearForm(StyledForm):
    year = forms.CharField(label=gettext_lazy("统计年度"), max_length=4)

    def clean_year(self) -> int:
        try:
            return report_year(self.cleaned_data["year"], today=timezone.localdate())
        except EldercareError as error:
            raise forms.ValidationError(error.messages_zh) from None


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    """The year's figures as tables and charts, with the bulletin to download (default: this
    year, as far as its data goes)."""
    report_read_check(user=request.user)  # refuse before reading anything else
    today = timezone.localdate()
    form = YearForm(request.GET if "year" in request.GET else {"year": str(today.year)})
    bulletin = None
    if form.is_valid():
        bulletin = ageing_bulletin(user=request.user, year=form.cleaned_data["year"], today=today)
    return render(
        request,
        "eldercare/report_page.html",
        {
            "form": form,
            "bulletin": bulletin,
            "charts": [chart.as_dict() for chart in bulletin.charts] if bulletin else [],
        },
    )


@login_required
def report_file(request: HttpRequest, year: int) -> HttpResponse:
    """The year's bulletin as a Word document; every download is audited."""
    report_read_check(user=request.user)
    try:
        exported = bulletin_export(user=request.user, year=year, today=timezone.localdate())
    except EldercareError:
        raise Http404 from None
    response = HttpResponse(exported.content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response
