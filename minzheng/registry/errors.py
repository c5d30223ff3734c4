"""Domain errors of the registry: every problem names its field, in Chinese and in English."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from minzheng.registry.labels import field_label


@dataclass(frozen=True)
class Issue:
    field: str
    message_zh: str
    message_en: str
    row: int | None = None  # 1-based: a spreadsheet row, or a member's position in a household

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "field": self.field,
            "message": self.message_zh,
            "message_en": self.message_en,
        }

    @property
    def field_label(self) -> str:
        return field_label(self.field)

    @property
    def message(self) -> str:
        """The message in the active language (Chinese unless English is chosen)."""
        return self.message_en if (get_language() or "").startswith("en") else self.message_zh

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
