"""The move forms of the person page post here: the move bundles, then back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.moves.services import AfterMove, leave_city_bundle, person_move_bundle
from minzheng.registry.errors import RegistryError
from minzheng.registry.forms import LeaveCityForm, MoveForm
from minzheng.registry.selectors import household_search, person_get


def _report(request: HttpRequest, result: AfterMove) -> None:
    for record in result.assistance:
        step = ASSISTANCE_CASE.transition(record.transition).label
        messages.info(request, _("社会救助：%(step)s") % {"step": step})


@login_required
@require_POST
def person_move(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(user=request.user, person_id=person_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写迁入户号、与新户主关系和迁移日期"))
        return redirect("registry:person_detail", person_id=person.pk)
    target = household_search(user=request.user, number=form.cleaned_data["household_number"])
    target = target.first()
    if target is None:
        messages.error(request, _("您的管辖范围内没有该户号"))
        return redirect("registry:person_detail", person_id=person.pk)
    try:
        result = person_move_bundle(
            acting_user=request.user,
            person=person,
            to_household=target,
            relation=form.cleaned_data["relation"],
            on=form.cleaned_data["on"],
        )
    except RegistryError as error:
        for issue in error.issues:
            messages.error(request, issue.message)
    else:
        messages.success(request, _("已迁入户号 %(number)s") % {"number": target.number})
        _report(request, result)
    return redirect("registry:person_detail", person_id=person.pk)


@login_required
@require_POST
def person_leave_city(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(user=request.user, person_id=person_id)
    form = LeaveCityForm(request.POST, prefix="leave")
    if not form.is_valid():
        messages.error(request, _("请填写迁往地和迁出日期"))
        return redirect("registry:person_detail", person_id=person.pk)
    try:
        result = leave_city_bundle(
            acting_user=request.user,
            person=person,
            on=form.cleaned_data["on"],
            destination=form.cleaned_data["destination"],
        )
    except RegistryError as error:
        for issue in error.issues:
            messages.error(request, issue.message)
    else:
        messages.success(request, _("已登记迁出本市，家庭成员关系已终止"))
        _report(request, result)
    return redirect("registry:person_detail", person_id=person.pk)
