from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from minzheng.accounts.errors import LoginRefusedError
from minzheng.accounts.services import api_token_issue
from minzheng.schemas import InputSchema

router = Router(tags=["auth"])


class TokenIn(InputSchema):
    username: str
    password: str
    otp: str = Field(
        "",
        description="动态验证码，已启用两步验证的账号必填 one-time code, "
        "required for accounts with two-factor (city administrator, auditor)",
    )


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


@router.post("/token", response=TokenOut, auth=None, operation_id="auth_token_issue")
def token_issue(request: HttpRequest, data: TokenIn) -> dict[str, object]:
    """Exchange a username and password (and a one-time code) for a bearer token of 12 hours.

    Failures count towards the lock-out: five for one username from one address lock it for 30
    minutes (429).
    """
    if request.content_type != "application/json":
        # Anything else would let a wrong password go uncounted by the lock-out.
        raise HttpError(415, "请以 application/json 提交 send application/json")
    try:
        issued = api_token_issue(
            request=request, username=data.username, password=data.password, otp=data.otp
        )
    except LoginRefusedError as refusal:
        raise HttpError(refusal.status, str(refusal)) from None
    return {"token": issued.key, "expires_at": issued.expires_at}
