"""Content-Security-Policy on every page, and no inline script, handler or style to need it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import User
from tests.accounts.conftest import password_step
from tests.conftest import verified_login

POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def policy(response) -> set[str]:
    """The directives of the response's policy (django-csp does not keep their order)."""
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


class InlineFinder(HTMLParser):
    """Collect what a policy without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name in ("href", "src", "action"):
            if (names.get(name) or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def _pages(family, tangqiao_family, city_admin: User) -> list[str]:
    return [
        "/",
        "/registry/persons/",
        "/registry/persons/?q=王",
        f"/registry/persons/{family.head_id}/",
        f"/registry/persons/{family.head_id}/edit/",
        "/registry/households/",
        f"/registry/households/{family.pk}/",
        "/registry/households/new/",
        "/registry/import/",
        "/registry/divisions/",
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{city_admin.pk}/",
        "/accounts/two-factor/setup/",
        "/audit/",
        "/registry/persons/999999/",  # the 404 page
    ]


def test_every_main_page_has_the_policy_and_no_inline_code(
    client, family, tangqiao_family, city_admin
):
    verified_login(client, city_admin)
    for path in _pages(family, tangqiao_family, city_admin):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert policy(response) == POLICY, path
        assert inline_code(response.content.decode()) == [], path


def test_sign_in_pages_have_the_policy_and_no_inline_code(client, city_admin, yangshe_clerk):
    login = client.get("/login/")
    password_step(client, "admin")
    code = client.get("/accounts/two-factor/")
    locked = None
    other = Client()
    for _ in range(5):
        locked = password_step(other, "yangshe_clerk", "wrong-password")
    for response in (login, code, locked):
        assert policy(response) == POLICY
        assert inline_code(response.content.decode()) == []
    assert locked.status_code == 429


def test_enrolment_page_qr_code_is_an_allowed_data_image(client, city_admin):
    TOTPDevice.objects.filter(user=city_admin).delete()
    password_step(client, "admin")
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    assert inline_code(page.content.decode()) == []


def test_api_docs_work_under_the_policy(client, db):
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert policy(response) == POLICY
    assert inline_code(html) == []
    assert '<script type="application/json" id="swagger-settings">' in html
    assert "/static/ninja/swagger-ui-init.js" in html
    assert "//cdn" not in html  # served from our static files, not a CDN


def test_the_dashboard_data_is_json_not_script(client, family, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    html = client.get("/").content.decode()
    assert '<script id="chart-data" type="application/json">' in html


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<select onchange="this.form.submit()">', ["<select onchange=...>"]),
        ("<script>alert(1)</script>", ["<script> without src"]),
        ('<div style="color:red">', ["<div style=...>"]),
        ('<a href="javascript:alert(1)">', ["<a href=javascript:...>"]),
        ('<script src="/static/web/site.js"></script>', []),
    ],
)
def test_the_scanner_finds_inline_code(html: str, found: list[str]) -> None:
    assert inline_code(html) == found
