"""Refusals at sign-in: the message is safe to show to whoever tried."""

from __future__ import annotations

from django.utils.translation import get_language


class LoginRefusedError(Exception):
    """Credentials, code or account state that do not allow a sign-in or a token; nothing issued."""

    def __init__(self, message_zh: str, message_en: str, *, status: int = 401) -> None:
        super().__init__(f"{message_zh} {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
        self.status = status

    @property
    def message(self) -> str:
        return self.message_en if (get_language() or "").startswith("en") else self.message_zh
