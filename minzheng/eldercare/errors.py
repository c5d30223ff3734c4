"""The one error of eldercare's services: input that cannot be accepted; nothing was changed."""

from __future__ import annotations


class EldercareError(Exception):
    """Each problem is (field or item, message_zh, message_en). Pages show the Chinese, the CLI
    both, the API answers 422 with every problem."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {zh} ({en})" for field, zh, en in problems))

    @classmethod
    def one(cls, field: str, zh: str, en: str) -> EldercareError:
        return cls([(field, zh, en)])

    @property
    def messages_zh(self) -> list[str]:
        return [zh for _, zh, _ in self.problems]
