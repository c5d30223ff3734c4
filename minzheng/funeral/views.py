"""The death form of the person page posts here: the after-death bundle, then back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.funeral.services import after_death_bundle
from minzheng.registry.errors import RegistryError
from minzheng.registry.forms import DeathForm
from minzheng.registry.selectors import person_get


@login_required
@require_POST
def person_death(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_get(user=request.user, person_id=person_id)
    form = DeathForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的死亡日期"))
        return redirect("registry:person_detail", person_id=person.pk)
    try:
        result = after_death_bundle(
            acting_user=request.user, person=person, death_date=form.cleaned_data["death_date"]
        )
    except RegistryError as error:
        for issue in error.issues:
            messages.error(request, issue.message)
    else:
        messages.success(request, _("已登记死亡，家庭成员关系已终止"))
        for record in result.assistance:
            step = ASSISTANCE_CASE.transition(record.transition).label
            messages.info(request, _("社会救助：%(step)s") % {"step": step})
        for line in result.eldercare:
            messages.info(request, _("养老服务：%(line)s") % {"line": line})
    return redirect("registry:person_detail", person_id=person.pk)
