"""Registry pages: parse the request, call one selector or service, render."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minzheng.accounts.jurisdiction import REGISTRY_WRITER_ROLES, REVEAL_ROLES
from minzheng.accounts.models import Role
from minzheng.registry import forms as registry_forms
from minzheng.registry import selectors, services, spreadsheets
from minzheng.registry.errors import Issue, RegistryError
from minzheng.registry.models import DivisionKind, Person

PAGE_SIZE = 20
EXPORT_LIMIT = 50_000


def _towns(request: HttpRequest) -> list[tuple[str, str]]:
    towns = selectors.divisions_visible(
        user=request.user, kinds=(DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)
    )
    return [(division.code, division.name) for division in towns]


def _villages(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (village.code, f"{village.parent.name if village.parent else ''} {village.name}")
        for village in selectors.villages_visible(user=request.user)
    ]


def _can_write(request: HttpRequest) -> bool:
    return request.user.is_superuser or request.user.role in REGISTRY_WRITER_ROLES


def _add_issues(
    form: forms.Form | None, error: RegistryError, member_forms: list[forms.Form] | None = None
) -> list[Issue]:
    """Attach each issue to its field (a member's issue to that member's form); return the rest."""
    rest = []
    for issue in error.issues:
        target = form
        if member_forms and issue.row and issue.row <= len(member_forms):
            member_form = member_forms[issue.row - 1]
            if issue.field in member_form.fields:
                target = member_form
        if target is not None and issue.field in target.fields:
            target.add_error(issue.field, issue.message)
        else:
            rest.append(issue)
    return rest


def _person_search(request: HttpRequest) -> tuple[registry_forms.PersonSearchForm, Any]:
    form = registry_forms.PersonSearchForm(request.GET or None, towns=_towns(request))
    is_valid = not form.is_bound or form.is_valid()
    filters = form.cleaned_data if form.is_bound and is_valid else {}
    persons = selectors.person_search(
        user=request.user,
        q=filters.get("q", ""),
        division_code=filters.get("division_code", ""),
        include_deceased=bool(filters.get("include_deceased")),
    )
    return form, persons if is_valid else persons.none()  # bad filters find no one


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    form, persons = _person_search(request)
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/person_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "searched": bool(request.GET)},
    )


@login_required
def person_export(request: HttpRequest) -> HttpResponse:
    """The current search as .xlsx (identifiers masked), at most EXPORT_LIMIT rows."""
    form, persons = _person_search(request)
    content = services.persons_export(
        acting_user=request.user,
        persons=persons[:EXPORT_LIMIT].iterator(chunk_size=2000),
        filters=form.cleaned_data if form.is_bound and form.is_valid() else {},
    )
    return _xlsx_response(content, _stamped("persons"))


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamped(name: str) -> str:
    return f"{name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, person_id=person_id)
    return _person_page(request, person)


def _person_page(
    request: HttpRequest, person: Person, revealed: tuple[str, str] | None = None
) -> HttpResponse:
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "household": selectors.person_current_household(person=person),
            "memberships": selectors.person_memberships(person=person),
            "history": selectors.person_history(person=person)[:100],
            "death_form": registry_forms.DeathForm(),
            "move_form": registry_forms.MoveForm(initial={"on": timezone.localdate()}),
            "leave_form": registry_forms.LeaveCityForm(
                prefix="leave", initial={"on": timezone.localdate()}
            ),
            "reveal_form": registry_forms.RevealForm(),
            "revealed": revealed,
            "can_reveal": request.user.is_superuser or request.user.role in REVEAL_ROLES,
            "can_write": _can_write(request),
            "issues": [],
        },
    )


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, person_id=person_id)
    if not _can_write(request):
        raise PermissionDenied  # readers (the auditor) see the person page, not the form
    form_class = registry_forms.PersonEditForm
    issues: list[Issue] = []
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.person_update(
                    acting_user=request.user,
                    person=person,
                    data=services.person_in_from_person(
                        person,
                        **{
                            key: value
                            for key, value in data.items()
                            if not (key in {"id_number", "phone"} and not value)
                        },
                    ),
                )
            except RegistryError as error:
                issues = _add_issues(form, error)
            else:
                messages.success(request, _("已保存"))
                return redirect("registry:person_detail", person_id=person.pk)
    else:
        initial = {
            field: getattr(person, field)
            for field in form_class.base_fields
            if field not in {"id_number", "phone"} and hasattr(person, field)
        }
        initial["hukou_division_code"] = person.hukou_division_id
        initial["residence_division_code"] = person.residence_division_id
        form = form_class(initial=initial)
    return render(
        request, "registry/person_edit.html", {"person": person, "form": form, "issues": issues}
    )


def _household_search(request: HttpRequest) -> tuple[registry_forms.HouseholdSearchForm, Any]:
    form = registry_forms.HouseholdSearchForm(request.GET or None, towns=_towns(request))
    is_valid = not form.is_bound or form.is_valid()
    filters = form.cleaned_data if form.is_bound and is_valid else {}
    households = selectors.household_search(
        user=request.user,
        number=filters.get("number", ""),
        address=filters.get("address", ""),
        division_code=filters.get("division_code", ""),
    )
    return form, households if is_valid else households.none()  # bad filters find nothing


@login_required
def household_export(request: HttpRequest) -> HttpResponse:
    """The current household search as .xlsx, at most EXPORT_LIMIT rows."""
    form, households = _household_search(request)
    content = services.households_export(
        acting_user=request.user,
        households=households[:EXPORT_LIMIT],
        filters=form.cleaned_data if form.is_bound and form.is_valid() else {},
    )
    return _xlsx_response(content, _stamped("households"))


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    form, households = _household_search(request)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/household_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "can_write": _can_write(request)},
    )


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, household_id=household_id)
    memberships = list(household.memberships.all())
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "current": [m for m in memberships if m.valid_to is None],
            "past": [m for m in memberships if m.valid_to is not None],
            "history": selectors.household_history(household=household)[:100],
            "member_form": registry_forms.MemberForm(prefix="member"),
            "can_write": _can_write(request),
        },
    )


@login_required
def household_new(request: HttpRequest) -> HttpResponse:
    if not _can_write(request):
        raise PermissionDenied
    villages = _villages(request)
    issues: list[Issue] = []
    if request.method == "POST":
        form = registry_forms.HouseholdForm(request.POST, villages=villages)
        members = registry_forms.MemberFormSet(request.POST, prefix="members")
        if form.is_valid() and members.is_valid():
            filled = [m for m in members.forms if m.has_changed() and m.cleaned_data]
            try:
                household = services.household_register(
                    acting_user=request.user,
                    data=services.HouseholdIn(
                        number=form.cleaned_data["number"],
                        address=form.cleaned_data["address"],
                        division_code=form.cleaned_data["division_code"],
                        members=tuple(
                            services.MemberIn(
                                person=member.person_in(), relation=member.cleaned_data["relation"]
                            )
                            for member in filled
                        ),
                    ),
                )
            except RegistryError as error:
                # The service numbers the members it was given; show the form's own numbers.
                numbers = [members.forms.index(member) + 1 for member in filled]
                error = RegistryError(
                    [
                        replace(issue, row=numbers[issue.row - 1]) if issue.row else issue
                        for issue in error.issues
                    ]
                )
                _add_issues(form, error, member_forms=members.forms)
                issues = error.issues  # the summary lists them all, by member
            else:
                messages.success(request, _("家庭已登记"))
                return redirect("registry:household_detail", household_id=household.pk)
    else:
        form = registry_forms.HouseholdForm(villages=villages)
        members = registry_forms.MemberFormSet(prefix="members")
    return render(
        request,
        "registry/household_new.html",
        {"form": form, "members": members, "issues": issues, "row_label": _("成员")},
    )


@login_required
@require_POST
def household_add_member(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, household_id=household_id)
    form = registry_forms.MemberForm(request.POST, prefix="member")
    if form.is_valid():
        try:
            services.household_add_member(
                acting_user=request.user,
                household=household,
                person=form.person_in(),
                relation=form.cleaned_data["relation"],
            )
        except RegistryError as error:
            for issue in error.issues:
                field = form.fields.get(issue.field)
                label = field.label if field is not None else ""
                messages.error(request, f"{label}：{issue.message}" if label else issue.message)
        else:
            messages.success(request, _("已添加成员"))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label}: {'；'.join(errors)}")
    return redirect("registry:household_detail", household_id=household.pk)


@login_required
@require_POST
def household_set_head(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(user=request.user, household_id=household_id)
    form = registry_forms.SetHeadForm(request.POST)
    member = None
    if form.is_valid():
        member = next(
            (
                m.person
                for m in household.memberships.all()
                if m.valid_to is None and m.person_id == form.cleaned_data["person_id"]
            ),
            None,
        )
    if member is None:
        messages.error(request, _("新户主须为本户在册成员"))
    else:
        try:
            services.household_set_head(
                acting_user=request.user, household=household, person=member
            )
        except RegistryError as error:
            for issue in error.issues:
                messages.error(request, issue.message)
        else:
            messages.success(request, _("已变更户主"))
    return redirect("registry:household_detail", household_id=household.pk)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload persons and households; every problem is listed and nothing is written then."""
    if not _can_write(request):
        raise PermissionDenied
    issues: list[Issue] = []
    result = None
    if request.method == "POST":
        form = registry_forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = spreadsheets.read_table(upload.read(), upload.name)
                result = services.registry_import(acting_user=request.user, rows=rows)
            except RegistryError as error:
                issues = error.issues
    else:
        form = registry_forms.ImportForm()
    return render(
        request,
        "registry/import.html",
        {"form": form, "issues": issues, "result": result},
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx_response(spreadsheets.template_workbook(), "registry-import-template.xlsx")


@login_required
def division_list(request: HttpRequest) -> HttpResponse:
    """Towns with their villages; the city administrator may load a village list."""
    issues: list[Issue] = []
    can_load = request.user.is_superuser or request.user.role == Role.CITY_ADMIN
    if request.method == "POST":
        if not can_load:
            raise PermissionDenied
        form = registry_forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise RegistryError(
                        [Issue("file", "区划文件应为UTF-8编码的CSV", "the file is not UTF-8 CSV")]
                    ) from None
                added = services.divisions_load(
                    acting_user=request.user, rows=services.divisions_from_csv(text)
                )
            except RegistryError as error:
                issues = error.issues
            else:
                messages.success(request, _("已新增 %(count)d 个区划") % {"count": added})
                return redirect("registry:division_list")
    else:
        form = registry_forms.ImportForm()
    return render(
        request,
        "registry/division_list.html",
        {
            "tree": selectors.division_tree(user=request.user),
            "form": form,
            "issues": issues,
            "can_load": can_load,
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Show one identifier in full on the person page, once, after a reason is given."""
    person = selectors.person_get(user=request.user, person_id=person_id)
    form = registry_forms.RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = (
                services.REVEALABLE[form.cleaned_data["field"]],
                services.person_reveal(
                    acting_user=request.user,
                    person=person,
                    field=form.cleaned_data["field"],
                    reason=form.cleaned_data["reason"],
                ),
            )
        except RegistryError as error:
            for issue in error.issues:
                messages.error(request, issue.message)
    else:
        messages.error(request, _("请选择要查看的信息并填写原因"))
    if revealed is None:
        return redirect("registry:person_detail", person_id=person.pk)
    return _person_page(request, person, revealed=revealed)
