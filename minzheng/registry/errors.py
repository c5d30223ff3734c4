"""Domain errors of the registry: every problem names its field, in Chinese and in English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    field: str
    message_zh: str
    message_en: str
    row: int | None = None  # 1-based spreadsheet row, for imports

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "field": self.field,
            "message": self.message_zh,
            "message_en": self.message_en,
        }

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}{self.field}: {self.message_zh} ({self.message_en})"


class RegistryError(Exception):
    """Bad input to a registry service; nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def fail(field: str, message_zh: str, message_en: str) -> RegistryError:
    return RegistryError([Issue(field=field, message_zh=message_zh, message_en=message_en)])
