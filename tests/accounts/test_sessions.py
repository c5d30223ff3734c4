"""Sessions end after 30 idle minutes; HTTPS settings; API tokens expire and resist tampering."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

from django.utils import timezone

from minzheng.accounts.models import ApiToken
from minzheng.audit.models import AuditEvent
from tests.conftest import PASSWORD


def _token(client, username: str = "yangshe_clerk") -> dict:
    response = client.post(
        "/api/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def test_session_settings(settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_a_session_ends_after_30_idle_minutes(client, yangshe_clerk, time_machine) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    client.post("/login/", {"username": "yangshe_clerk", "password": PASSWORD})
    assert client.get("/").status_code == 200

    time_machine.shift(dt.timedelta(minutes=31))
    response = client.get("/registry/persons/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/registry/persons/"


def test_each_request_keeps_the_session_alive(client, yangshe_clerk, time_machine) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    client.post("/login/", {"username": "yangshe_clerk", "password": PASSWORD})
    for _ in range(4):  # an hour and twenty minutes of work, a request every 20 minutes
        time_machine.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200


def _settings_under(env: dict[str, str]) -> dict:
    code = (
        "import json, minzheng.settings as s; print(json.dumps({name: getattr(s, name, None) "
        "for name in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_https_settings_follow_minzheng_secure_cookies() -> None:
    assert _settings_under({"MINZHENG_SECURE_COOKIES": "true"}) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    assert _settings_under({"MINZHENG_SECURE_COOKIES": "false"}) == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": None,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": None,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_hsts_is_sent_over_https_behind_the_proxy(client, db, settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    https = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    http = client.get("/login/")

    assert https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in http


def test_a_token_lasts_12_hours(client, yangshe_clerk, time_machine) -> None:
    now = timezone.now().replace(microsecond=0)
    time_machine.move_to(now, tick=False)
    issued = _token(client)
    headers = {"Authorization": f"Bearer {issued['token']}"}

    assert issued["expires_at"].startswith((now + dt.timedelta(hours=12)).isoformat()[:19])
    time_machine.shift(dt.timedelta(hours=11, minutes=59))
    assert client.get("/api/registry/persons", headers=headers).status_code == 200
    time_machine.shift(dt.timedelta(minutes=1))
    expired = client.get("/api/registry/persons", headers=headers)
    assert expired.status_code == 401
    assert expired["Content-Type"] == "application/problem+json"
    assert expired.json()["status"] == 401


def test_a_tampered_token_gets_401_problem(client, yangshe_clerk) -> None:
    token = _token(client)["token"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = client.get("/api/registry/persons", headers={"Authorization": f"Bearer {tampered}"})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Unauthorized"


def test_the_token_issue_is_audited_without_the_token(client, yangshe_clerk) -> None:
    token = _token(client)["token"]
    event = AuditEvent.objects.get(action="accounts.token.issue")
    assert (event.actor_username, event.data) == ("yangshe_clerk", {"two_factor": False})
    assert token not in json.dumps(event.data)
    assert ApiToken.objects.get().key_hash not in json.dumps(event.data)


def test_expired_tokens_are_removed_at_the_next_issue(client, yangshe_clerk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _token(client)
    time_machine.shift(dt.timedelta(hours=13))
    _token(client)
    assert ApiToken.objects.count() == 1
