"""老年助餐 through its API, its pages and its command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from minzheng.eldercare import meals as services
from minzheng.eldercare.meal_models import MealRecord, MealRegistration, MealSettlement
from tests.conftest import verified_login
from tests.eldercare.conftest import ELDER_ID
from tests.eldercare.test_meals import OCT, csv_file, point_make
from tests.security.conftest import bearer

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def point(yangshe_clerk, home_provider):
    return point_make(yangshe_clerk, "杨舍镇合成社区老年食堂", home_provider)


@pytest.fixture
def registered(point, elder, yangshe_clerk):
    return services.meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=elder, on=dt.date(2026, 9, 1)
    )


# --- API ---------------------------------------------------------------------------------------


def test_the_api_creates_a_point_registers_an_elder_and_records_a_meal(
    client, yangshe_clerk, home_provider, elder, provider_manager
):
    headers = bearer(client, yangshe_clerk)
    created = client.post(
        "/api/eldercare/meal-points",
        {
            "name": "杨舍镇合成社区老年食堂",
            "division_code": "320582100",
            "address": "人民路1号",
            "capacity": 60,
            "operator_id": home_provider.pk,
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    point_id = created.json()["id"]
    registration = client.post(
        f"/api/eldercare/meal-points/{point_id}/registrations",
        {"person_id": elder.pk, "valid_from": "2026-10-01"},
        content_type="application/json",
        headers=headers,
    )
    assert registration.status_code == 201, registration.content

    meal = client.post(
        f"/api/eldercare/meal-points/{point_id}/records",
        {"person_id": elder.pk, "served_on": "2026-10-02", "meal": "lunch", "price": "16.00"},
        content_type="application/json",
        headers=bearer(client, provider_manager),
    )

    assert meal.status_code == 201, meal.content
    assert {key: meal.json()[key] for key in ("subsidy", "own_payment", "category")} == {
        "subsidy": "5.00",
        "own_payment": "11.00",
        "category": "age_80",
    }
    listed = client.get(
        f"/api/eldercare/meal-points/{point_id}/records?month=2026-10", headers=headers
    )
    assert listed.json()["count"] == 1


def test_the_api_refuses_a_meal_at_a_point_the_elder_is_not_registered_with(
    client, point, elder, provider_manager
):
    response = client.post(
        f"/api/eldercare/meal-points/{point.pk}/records",
        {"person_id": elder.pk, "served_on": "2026-10-02", "meal": "lunch", "price": "16.00"},
        content_type="application/json",
        headers=bearer(client, provider_manager),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "person_id",
            "message_zh": "该老人未在本助餐点登记，不能记录就餐",
            "message_en": "the person is not registered with this meal point",
        }
    ]
    assert not MealRecord.objects.exists()


def test_the_api_import_answers_every_bad_row(client, registered, provider_manager):
    content = csv_file([f"{ELDER_ID},陈老伯,2026-10-01,早餐,15", f"{ELDER_ID},,2026-10-02,午餐,x"])
    response = client.post(
        f"/api/eldercare/meal-points/{registered.point_id}/records/import",
        {"file": SimpleUploadedFile("meals.csv", content, content_type="text/csv")},
        headers=bearer(client, provider_manager),
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["row 2 餐次", "row 3 餐费"]
    assert not MealRecord.objects.exists()


def test_the_api_settles_a_month_once(client, registered, provider_manager, yangshe_clerk):
    services.meal_record_create(
        acting_user=provider_manager,
        point=registered.point,
        person=registered.person,
        served_on=OCT,
        meal="lunch",
        price=Decimal("15.00"),
        today=dt.date(2026, 11, 28),
    )
    headers = bearer(client, yangshe_clerk)
    path = f"/api/eldercare/meal-points/{registered.point_id}/settlements"

    first = client.post(
        path, {"month": "2026-10"}, content_type="application/json", headers=headers
    )
    again = client.post(
        path, {"month": "2026-10"}, content_type="application/json", headers=headers
    )

    assert (first.status_code, first.json()["closed_now"], first.json()["subsidy_total"]) == (
        200,
        True,
        "5.00",
    )
    assert (again.json()["closed_now"], again.json()["id"]) == (False, first.json()["id"])
    got = client.get(f"/api/eldercare/meal-settlements/{first.json()['id']}", headers=headers)
    assert got.json()["lines"][0]["label"] == "80周岁以上老人"


def test_another_town_gets_404_for_a_point(client, point, tangqiao_clerk):
    response = client.get(
        f"/api/eldercare/meal-points/{point.pk}", headers=bearer(client, tangqiao_clerk)
    )
    assert response.status_code == 404


# --- pages -------------------------------------------------------------------------------------


def test_the_point_page_records_a_meal_and_shows_it(client, registered, provider_manager):
    verified_login(client, provider_manager)
    response = client.post(
        f"/eldercare/meal-points/{registered.point_id}/record/",
        {
            "person": registered.person_id,
            "served_on": "2026-10-02",
            "meal": "lunch",
            "price": "15.00",
        },
        follow=True,
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "已录入：陈老伯 2026-10-02 午餐，补贴5.00元，个人支付10.00元" in text
    assert "80周岁以上老人" in text


def test_the_point_page_shows_every_problem_of_a_refused_import(
    client, registered, provider_manager
):
    verified_login(client, provider_manager)
    content = csv_file([f"{ELDER_ID},陈老伯,2026-12-01,午餐,15"])
    response = client.post(
        f"/eldercare/meal-points/{registered.point_id}/import/",
        {"file": SimpleUploadedFile("meals.csv", content, content_type="text/csv")},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "文件未导入" in text
    assert "第2行就餐日期晚于今天" in text
    assert not MealRecord.objects.exists()


def test_the_town_registers_an_elder_by_id_number_on_the_page(client, point, elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    response = client.post(
        f"/eldercare/meal-points/{point.pk}/register/",
        {"id_number": ELDER_ID, "valid_from": "2026-10-01"},
    )

    assert response.status_code == 302
    assert MealRegistration.objects.get().person == elder


def test_the_list_page_shows_only_the_towns_points(client, point, tangqiao_clerk, yangshe_clerk):
    verified_login(client, tangqiao_clerk)
    assert "杨舍镇合成社区老年食堂" not in client.get("/eldercare/meal-points/").content.decode()
    verified_login(client, yangshe_clerk)
    assert "杨舍镇合成社区老年食堂" in client.get("/eldercare/meal-points/").content.decode()


def test_the_settlement_exports_as_xlsx_from_its_page(client, registered, yangshe_clerk):
    settlement, _ = services.meal_settlement_close(
        acting_user=yangshe_clerk, point=registered.point, month=OCT, today=dt.date(2026, 11, 28)
    )
    verified_login(client, yangshe_clerk)

    page = client.get(f"/eldercare/meal-settlements/{settlement.pk}/")
    export = client.get(f"/eldercare/meal-settlements/{settlement.pk}/export/")

    assert page.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert export.content[:2] == b"PK"


# --- command -----------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_settles_the_month(
    tmp_path, registered, provider_manager, yangshe_clerk, capsys
):
    path = tmp_path / "meals.csv"
    path.write_bytes(csv_file([f"{ELDER_ID},陈老伯,2026-10-01,午餐,15"]))

    call_command(
        "meals",
        "import",
        str(path),
        "--point",
        str(registered.point_id),
        "--user",
        "yikang_manager",
    )
    call_command("meals", "settle", "--month", "2026-10", "--user", "yangshe_clerk")
    call_command("meals", "settle", "--month", "2026-10", "--user", "yangshe_clerk")

    out = capsys.readouterr().out
    assert "已导入 1 条就餐记录 imported 1 meals" in out
    assert "已结算 closed now; 1 人次 meals, 补贴 subsidy 5.00" in out
    assert "此前已结算，未作改动 already closed" in out
    assert MealSettlement.objects.count() == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["settle", "--month", "2026-13", "--user", "yangshe_clerk"], "YYYY-MM"),
        (["settle", "--month", "2026-11", "--user", "yangshe_clerk"], "尚未结束"),
        (["settle", "--month", "2026-10", "--user", "nobody"], "不存在"),
        (["import", "missing.csv", "--point", "{point}", "--user", "yikang_manager"], "无法读取"),
        (["import", "{bad}", "--point", "{point}", "--user", "yikang_manager"], "第2行"),
        (["import", "{bad}", "--point", "999999", "--user", "yikang_manager"], "没有编号"),
        (["import", "{bad}", "--point", "{point}", "--user", "ankang_manager"], "没有编号"),
    ],
)
def test_the_command_exits_2_with_a_message_on_bad_input(
    tmp_path, registered, provider_manager, other_manager, capsys, arguments, message
):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([f"{ELDER_ID},陈老伯,2026-10-01,早餐,15"]))
    filled = [
        value.format(point=registered.point_id, bad=bad) if "{" in value else value
        for value in arguments
    ]
    with pytest.raises(SystemExit) as exited:
        call_command("meals", *filled)

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error
    assert not MealRecord.objects.exists()
