"""The rows of the access tables (pages and API operations) and the standard refusals.

Kept apart from the two test modules so that each app's own rows (tests/security/eldercare_parts.py)
can import them without importing the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.security.conftest import World

LOGIN = "login"  # a redirect to the login page, which comes back to the same path

UNAUTHORIZED = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "请先登录或提供令牌 Authentication required",
}
NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "未找到 Not found",
}
FORBIDDEN_WRITE = {
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
    "detail": "您无权在该区划内修改人口与家庭信息",
}
WRONG_PASSWORD = {
    "type": "about:blank",
    "title": "Unauthorized",
    "status": 401,
    "detail": "用户名或密码错误 wrong username or password",
}
PROBLEMS = {401: UNAUTHORIZED, 403: FORBIDDEN_WRITE, 404: NOT_FOUND}


Data = dict[str, object] | Callable[[dict[str, object]], dict[str, object]] | None


@dataclass(frozen=True)
class Page:
    """One row: a URL name, a method, a path and the expected answer in each column.

    An answer is a status, LOGIN, or a path: a 302 to that path. Paths and data may name the
    world's ids in braces; `{new_household}` and `{new_user}` are the objects the request made.
    """

    name: str
    method: str
    path: str
    expect: tuple[int | str, ...]
    data: Data = None
    action: str = ""  # the audit action of the change
    changes: frozenset[str] = field(default_factory=frozenset)  # columns that make it
    prepare: Callable[[World], None] | None = None
    actor: str = ""  # the audit actor when it is not the column's user ("system": public)

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


@dataclass(frozen=True)
class Operation:
    """One row: an operation, its path, and per column the status and (searches) the count."""

    operation_id: str
    method: str
    path: str  # as in the OpenAPI document; braces name the world's ids when requested
    expect: tuple[int, ...]
    counts: tuple[int | None, ...] = (None,) * 6
    body: dict[str, object] | None = None
    action: str = ""
    changes: frozenset[str] = field(default_factory=frozenset)
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> world id
    problems: dict[int, dict[str, object]] = field(default_factory=dict)  # this row's own
    query: str = ""  # appended to the path: "?format=docx"
    prepare: Callable[[World], None] | None = None  # brings the world to the row's state
    form: Callable[[dict[str, object]], dict[str, object]] | None = None  # a multipart body
    actor: str = ""  # the audit actor when it is not the column's user ("system": public)

    def __str__(self) -> str:
        return self.operation_id
