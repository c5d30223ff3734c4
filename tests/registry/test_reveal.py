from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.audit.models import AuditEvent
from minzheng.registry.errors import RegistryError
from minzheng.registry.services import person_reveal
from tests.conftest import HEAD_ID, PASSWORD


def test_reveal_returns_the_value_and_audits_the_reason(family, yangshe_clerk) -> None:
    value = person_reveal(
        acting_user=yangshe_clerk, person=family.head, field="id_number", reason="核对低保申请"
    )
    assert value == HEAD_ID
    event = AuditEvent.objects.get(action="registry.person.reveal")
    assert (event.actor, event.target_id, event.data) == (
        yangshe_clerk,
        str(family.head_id),
        {"field": "id_number", "reason": "核对低保申请"},
    )
    assert HEAD_ID not in json.dumps(event.data)


@pytest.mark.parametrize("reason", ["", "  ", "看看"])
def test_reveal_without_a_real_reason_is_refused(family, yangshe_clerk, reason: str) -> None:
    with pytest.raises(RegistryError) as error:
        person_reveal(acting_user=yangshe_clerk, person=family.head, field="phone", reason=reason)
    assert error.value.issues[0].field == "reason"
    assert not AuditEvent.objects.filter(action="registry.person.reveal").exists()


def test_other_town_and_provider_cannot_reveal(family, tangqiao_clerk, provider_user) -> None:
    for user in (tangqiao_clerk, provider_user):
        with pytest.raises(PermissionDenied):
            person_reveal(acting_user=user, person=family.head, field="phone", reason="核对信息")
    assert not AuditEvent.objects.filter(action="registry.person.reveal").exists()


def test_reveal_on_the_person_page_shows_the_value_once(client, family, yangshe_clerk) -> None:
    client.force_login(yangshe_clerk)
    url = f"/registry/persons/{family.head_id}/"
    shown = client.post(f"{url}reveal/", {"field": "phone", "reason": "电话回访核实"})
    assert shown.status_code == 200
    assert "13812345678" in shown.content.decode()
    assert "13812345678" not in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="registry.person.reveal").count() == 1


def test_reveal_through_the_api(client, family, yangshe_clerk) -> None:
    token = client.post(
        "/api/auth/token",
        {"username": "yangshe_clerk", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/registry/persons/{family.head_id}/reveal"
    ok = client.post(
        url,
        {"field": "id_number", "reason": "办理业务核对"},
        content_type="application/json",
        headers=headers,
    )
    refused = client.post(
        url,
        {"field": "id_number", "reason": "x"},
        content_type="application/json",
        headers=headers,
    )
    assert ok.json() == {"field": "id_number", "value": HEAD_ID}
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
