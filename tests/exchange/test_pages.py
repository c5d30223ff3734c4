"""The data-exchange pages and API: listing, uploading (good and bad files), reading a batch."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.exchange.models import ExchangeBatch
from minzheng.exchange.services import exchange_import
from minzheng.exchange.sources import SOURCES
from minzheng.rules.id_number import mask_id_number
from tests.conftest import CHILD_ID, HEAD_ID, verified_login
from tests.exchange.conftest import JANUARY, csv_bytes, stored
from tests.security.conftest import bearer

GOOD = csv_bytes(
    "id_number,registered_on,vehicle_type,plate,value",
    f"{HEAD_ID},2026-01-12,汽车,苏E12345,35000",
)
BAD = csv_bytes(
    "id_number,registered_on,vehicle_type,plate,value",
    f"{HEAD_ID},2026-02-12,飞机,苏E12345,-1",
)


def _upload(content: bytes, name: str = "vehicle-2026-01.csv") -> dict[str, object]:
    return {
        "source": "vehicle",
        "period": "2026-01",
        "file": SimpleUploadedFile(name, content, content_type="text/csv"),
    }


@pytest.fixture
def batch(family, assistance_staff) -> ExchangeBatch:
    return exchange_import(
        acting_user=assistance_staff,
        source="vehicle",
        period=JANUARY,
        file_name="vehicle-2026-01.csv",
        content=GOOD,
    )


def test_the_assistance_staff_uploads_a_file_and_sees_its_signals(client, family, assistance_staff):
    verified_login(client, assistance_staff)

    response = client.post("/exchange/", _upload(GOOD))

    batch = ExchangeBatch.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/exchange/{batch.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "已导入 vehicle-2026-01.csv：1 行" in page
    assert f'href="/registry/persons/{family.head_id}/">王建国</a>' in page
    assert mask_id_number(HEAD_ID) in page
    assert HEAD_ID not in page
    assert "vehicle</td>" in page
    assert "35000.00" in page


def test_a_bad_upload_lists_every_problem_with_its_row_and_column_and_writes_nothing(
    client, family, assistance_staff
):
    verified_login(client, assistance_staff)
    before = stored()

    response = client.post("/exchange/", _upload(BAD))

    page = response.content.decode()
    assert response.status_code == 200
    assert "发现 3 处问题，文件未导入，未写入任何数据" in page
    for column, message in (
        ("登记日期", "日期2026-02-12晚于所属月份的最后一天2026-01-31"),
        ("车辆类型", "“飞机”不是可选值"),
        ("车辆价值", "金额不能为负数"),
    ):
        assert f"<td>2</td><td>{column}</td><td>{message}" in page
    assert stored() == before


def test_a_bad_month_in_the_form_is_a_field_error(client, family, assistance_staff):
    verified_login(client, assistance_staff)

    response = client.post("/exchange/", {**_upload(GOOD), "period": "2026-1"})

    assert "月份格式应为 YYYY-MM" in response.content.decode()
    assert ExchangeBatch.objects.count() == 0


def test_the_auditor_reads_the_list_without_the_upload_form(client, batch, auditor):
    verified_login(client, auditor)

    page = client.get("/exchange/").content.decode()

    assert "vehicle-2026-01.csv" in page
    assert 'id="exchange-upload"' not in page


@pytest.mark.parametrize("who", ["yangshe_clerk", "eldercare_staff", "provider_user"])
def test_other_roles_may_not_see_the_files(client, batch, request, who):
    verified_login(client, request.getfixturevalue(who))

    assert client.get("/exchange/").status_code == 403
    assert client.get(f"/exchange/{batch.pk}/").status_code == 403
    assert client.post("/exchange/", _upload(GOOD, "again.csv")).status_code == 403


def test_the_sources_page_shows_every_column(client, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    page = client.get("/exchange/sources/").content.decode()

    for source in SOURCES.values():
        assert f'id="source-{source.code}"' in page
        for column in source.columns:
            assert f'<td class="font-monospace">{column.name}</td>' in page
    assert "变动类型为迁入、迁出时必填" in page


def test_the_nav_links_the_exchange_for_those_who_read_it(client, assistance_staff, yangshe_clerk):
    verified_login(client, assistance_staff)
    assert 'href="/exchange/"' in client.get("/exchange/sources/").content.decode()
    verified_login(client, yangshe_clerk)
    assert 'href="/exchange/"' not in client.get("/exchange/sources/").content.decode()


# --- API ----------------------------------------------------------------------------------------


def test_api_imports_a_multipart_file_and_returns_the_batch(client, family, assistance_staff):
    response = client.post(
        "/api/exchange/batches", _upload(GOOD), headers=bearer(client, assistance_staff)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    batch = ExchangeBatch.objects.get()
    assert body == {
        "id": batch.pk,
        "source": "vehicle",
        "period": "2026-01",
        "file_name": "vehicle-2026-01.csv",
        "sha256": batch.sha256,
        "row_count": 1,
        "imported_by": "assistance_staff",
        "imported_at": body["imported_at"],
    }


def test_api_refuses_a_bad_file_with_422_problem_json_and_writes_nothing(
    client, family, assistance_staff
):
    headers = bearer(client, assistance_staff)
    before = stored()

    response = client.post("/api/exchange/batches", _upload(BAD), headers=headers)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["title"], body["detail"], body["error_count"]) == (
        "Unprocessable Entity",
        "文件未导入 The file was not imported",
        3,
    )
    assert [(error["row"], error["column"]) for error in body["errors"]] == [
        (2, "registered_on"),
        (2, "vehicle_type"),
        (2, "value"),
    ]
    assert stored() == before


def test_api_refuses_a_clerk_with_403(client, family, yangshe_clerk):
    response = client.post(
        "/api/exchange/batches", _upload(GOOD), headers=bearer(client, yangshe_clerk)
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "只有市局管理员和市局社会救助人员可以导入部门交换数据"
    assert ExchangeBatch.objects.count() == 0


def test_api_reads_a_batch_with_its_signals_masked(client, batch, auditor):
    headers = bearer(client, auditor)
    response = client.get(f"/api/exchange/batches/{batch.pk}", headers=headers)

    assert response.status_code == 200
    body = response.json()
    signal = batch.signals.get()
    assert body["signals"] == [
        {
            "id": signal.pk,
            "kind": "vehicle",
            "person_id": signal.person_id,
            "person_name": "王建国",
            "id_number_masked": mask_id_number(HEAD_ID),
            "on": "2026-01-12",
            "amount": "35000.00",
            "data": {"vehicle_type": "car", "plate": "苏E12345"},
        }
    ]
    assert (body["page"], body["page_size"]) == (1, 500)
    assert HEAD_ID not in json.dumps(body)
    assert (
        client.get(f"/api/exchange/batches/{batch.pk}?page=2", headers=headers).json()["signals"]
        == []
    )


def test_api_lists_batches_and_sources(client, batch, assistance_staff):
    headers = bearer(client, assistance_staff)

    batches = client.get("/api/exchange/batches", headers=headers).json()
    sources = client.get("/api/exchange/sources", headers=headers).json()

    assert [item["id"] for item in batches] == [batch.pk]
    assert [source["code"] for source in sources] == list(SOURCES)
    assert sources[0]["columns"][1] == {
        "name": "event",
        "label": "变动类型",
        "kind": "choice",
        "required": True,
        "choices": [
            {"code": "birth", "label": "出生"},
            {"code": "death", "label": "死亡"},
            {"code": "move_in", "label": "迁入"},
            {"code": "move_out", "label": "迁出"},
        ],
    }


def test_api_a_missing_batch_is_404_for_a_reader(client, assistance_staff):
    response = client.get("/api/exchange/batches/999999", headers=bearer(client, assistance_staff))

    assert response.status_code == 404


def test_an_xlsx_upload_through_the_api_works_too(client, family, assistance_staff):
    from tests.exchange.conftest import xlsx_bytes

    content = xlsx_bytes(
        [["id_number", "month", "employer", "amount"], [CHILD_ID, "2026-01", "甲", 1]]
    )
    response = client.post(
        "/api/exchange/batches",
        {
            "source": "wages",
            "period": "2026-01",
            "file": SimpleUploadedFile("w.xlsx", content),
        },
        headers=bearer(client, assistance_staff),
    )

    assert response.status_code == 201, response.content
