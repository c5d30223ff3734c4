"""Schemathesis against `/api/openapi.json`, through Django's WSGI application: never a 5xx.

It generates requests for every operation (about 30 per operation, derandomized so that a run is
repeatable) and calls them as 杨舍镇's clerk with a bearer token. Each request runs inside a
savepoint that is rolled back, so every request meets the same world and, on PostgreSQL, one
database error cannot poison the requests after it.

"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from minzheng.accounts.models import ApiToken
from tests.conftest import PASSWORD
from tests.security.conftest import bearer

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")

MAX_EXAMPLES = 30

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@contextlib.contextmanager
def isolated_request() -> Iterator[None]:
    """One request through the WSGI app inside the test's transaction, then undone.

    Django's test client keeps `close_old_connections` from closing the test's connection at the
    end of a request; a request through the bare WSGI app needs the same.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def clerk_token(client, world) -> dict[str, str]:
    return bearer(client, world.users["own_town"])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_api_requests_as_a_town_clerk_never_get_a_server_error(case, clerk_token):
    with isolated_request():
        response = case.call(headers=clerk_token)
    case.validate_response(response, checks=[checks.not_a_server_error])


def test_a_token_request_with_a_malformed_content_type_is_refused_not_a_server_error(client, world):
    response = client.post(
        "/api/auth/token",
        json.dumps({"username": "yangshe_clerk", "password": "wrong"}),
        content_type="multipart/form-data",
    )

    assert response.status_code in {400, 401, 415, 422}, response.content


def test_other_writes_with_a_malformed_content_type_are_read_as_json(client, world):
    headers = bearer(client, world.users["own_town"])

    reveal = client.post(
        f"/api/registry/persons/{world.ids['head']}/reveal",
        json.dumps({"field": "phone", "reason": "核对身份信息"}),
        content_type="multipart/form-data",
        headers=headers,
    )
    register = client.post(
        "/api/registry/households",
        "{}",
        content_type="multipart/form-data",
        headers=headers,
    )

    # The body is read as JSON whatever the declared type; only the token step trips over it.
    assert (reveal.status_code, reveal.json()) == (200, {"field": "phone", "value": "13812345678"})
    assert register.status_code == 422


def _token_request(client, password: str, content_type: str):
    body = json.dumps({"username": "yangshe_clerk", "password": password})
    return client.post("/api/auth/token", body, content_type=content_type)


def test_five_wrong_passwords_lock_the_token_endpoint(client, world):
    """The baseline for the test below: the sixth try, even with the right password, is 429."""
    statuses = [
        _token_request(client, f"wrong-{attempt}", "application/json").status_code
        for attempt in range(5)
    ]

    right = _token_request(client, PASSWORD, "application/json")

    assert statuses == [401, 401, 401, 401, 429]  # the fifth failure locks at once
    assert right.status_code == 429


def test_password_guesses_with_a_malformed_content_type_are_counted_or_refused(client, world):
    """Such requests must either count towards the lock-out or never reach the password check."""
    for attempt in range(5):
        _token_request(client, f"wrong-{attempt}", "multipart/form-data")

    right = _token_request(client, PASSWORD, "multipart/form-data")

    assert right.status_code in {400, 415, 429}, right.content
    assert not ApiToken.objects.exists()
