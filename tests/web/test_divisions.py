from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Division
from tests.conftest import verified_login


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("villages.csv", text.encode("utf-8"), content_type="text/csv")


def test_town_clerk_sees_only_their_town_with_its_villages(client, yangshe_clerk) -> None:
    client.force_login(yangshe_clerk)
    response = client.get("/registry/divisions/")
    tree = response.context["tree"]
    assert [(e.town.code, e.community_count, e.village_count) for e in tree] == [
        ("320582100", 1, 1)
    ]
    assert "导入村(社区)名单" not in response.content.decode()


def test_city_admin_loads_a_village_list(client, city_admin) -> None:
    verified_login(client, city_admin)
    response = client.post(
        "/registry/divisions/",
        {
            "file": csv_file(
                "code,name,kind,parent_code\n"
                "320582104201,乐余镇某村,village,320582104\n"
                "320582104001,乐余镇某社区,community,320582104\n"
            )
        },
    )
    assert response.status_code == 302
    assert Division.objects.get(code="320582104201").parent_id == "320582104"
    assert (
        AuditEvent.objects.get(action="registry.divisions.load", actor=city_admin).data["added"]
        == 2
    )


def test_bad_village_list_lists_every_error_and_writes_nothing(client, city_admin) -> None:
    verified_login(client, city_admin)
    before = Division.objects.count()
    response = client.post(
        "/registry/divisions/",
        {
            "file": csv_file(
                "code,name,kind,parent_code\n"
                "32058210420,短码,village,320582104\n"
                "320582999201,无上级,village,320582999\n"
            )
        },
    )
    assert [(issue.row, issue.field) for issue in response.context["issues"]] == [
        (1, "code"),
        (2, "parent_code"),
    ]
    assert Division.objects.count() == before


def test_wrong_header_is_a_clear_error(client, city_admin) -> None:
    verified_login(client, city_admin)
    response = client.post("/registry/divisions/", {"file": csv_file("编码,名称\n1,2\n")})
    assert "区划文件缺少列" in response.content.decode()


def test_town_clerk_cannot_load_divisions(client, yangshe_clerk) -> None:
    client.force_login(yangshe_clerk)
    before = Division.objects.count()
    response = client.post(
        "/registry/divisions/",
        {"file": csv_file("code,name,kind,parent_code\n320582100299,某村,village,320582100\n")},
    )
    assert response.status_code == 403
    assert Division.objects.count() == before
