"""Data-exchange pages: imported files with the upload form, one file's signals, the sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from minzheng.accounts.jurisdiction import exchange_import_allowed
from minzheng.exchange import selectors, services
from minzheng.exchange.sources import KIND_LABELS, SOURCES
from minzheng.registry.forms import StyledForm
from minzheng.rules.parameters import parse_month

SIGNALS_SHOWN = 200
PROBLEMS_SHOWN = 200


class UploadForm(StyledForm):
    source = forms.ChoiceField(
        label=gettext_lazy("数据来源"),
        choices=[
            (source.code, f"{source.label}（{source.department}）") for source in SOURCES.values()
        ],
    )
    period = forms.CharField(label=gettext_lazy("所属月份"), max_length=7)
    file = forms.FileField(label=gettext_lazy("文件(.csv 或 .xlsx)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].widget.input_type = "month"  # type: ignore[attr-defined]

    def clean_period(self) -> dt.date:
        month = parse_month(self.cleaned_data["period"])
        if month is None:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM"))
        return month


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = selectors.batch_list(request.user)
    may_import = exchange_import_allowed(request.user)
    problems: list[services.Problem] = []
    total = 0
    form = UploadForm()
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.exchange_import(
                    acting_user=request.user,
                    source=form.cleaned_data["source"],
                    period=form.cleaned_data["period"],
                    file_name=upload.name,
                    content=upload.read(),
                )
            except services.ExchangeError as error:
                problems, total = error.problems[:PROBLEMS_SHOWN], error.total
            else:
                messages.success(
                    request,
                    _("已导入 %(file)s：%(rows)d 行")
                    % {"file": batch.file_name, "rows": batch.row_count},
                )
                return redirect("exchange:batch_detail", batch_id=batch.pk)
    labels = {code: source.label for code, source in SOURCES.items()}
    return render(
        request,
        "exchange/batch_list.html",
        {
            "batches": [(batch, labels.get(batch.source, batch.source)) for batch in batches[:500]],
            "form": form,
            "may_import": may_import,
            "problems": _problem_rows(form, problems),
            "problem_total": total,
        },
    )


def _problem_rows(
    form: UploadForm, problems: list[services.Problem]
) -> list[tuple[int | None, str, str]]:
    """(row, column label, message in the page's language) of each problem."""
    source = SOURCES.get(form.data.get("source", "")) if form.is_bound else None
    labels = {"file": _("文件"), "source": _("数据来源"), "period": _("所属月份")}
    if source is not None:
        labels.update({column.name: column.label for column in source.columns})
    english = (get_language() or "").startswith("en")
    return [
        (
            problem.row,
            labels.get(problem.column, problem.column),
            problem.message_en if english else problem.message_zh,
        )
        for problem in problems
    ]


@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, batch_id)
    source = SOURCES.get(batch.source)
    return render(
        request,
        "exchange/batch_detail.html",
        {
            "batch": batch,
            "source": source,
            "signals": selectors.signals_of(batch)[:SIGNALS_SHOWN],
            "shown": min(SIGNALS_SHOWN, batch.row_count),
        },
    )


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    sources = [
        (
            source,
            [
                (
                    column,
                    KIND_LABELS[column.kind]
                    + (f"，{column.pattern_label}" if column.pattern_label else ""),
                    source.required_text(column),
                    "、".join(f"{label}({code})" for code, label in column.choices or ()),
                )
                for column in source.columns
            ],
        )
        for source in selectors.source_list()
    ]
    return render(
        request,
        "exchange/source_list.html",
        {"sources": sources, "may_import": exchange_import_allowed(request.user)},
    )
