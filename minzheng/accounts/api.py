from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import AuthenticationError

from minzheng.accounts.services import api_token_issue
from minzheng.registry.errors import RegistryError

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", response=TokenOut, auth=None, operation_id="auth_token_issue")
def token_issue(request: HttpRequest, data: TokenIn) -> dict[str, str]:
    """Exchange a username and password for a bearer token."""
    try:
        return {"token": api_token_issue(username=data.username, password=data.password)}
    except RegistryError:
        raise AuthenticationError(message="用户名或密码错误 wrong username or password") from None
