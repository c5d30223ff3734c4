"""The audit log as .xlsx: one row per entry, with its place in the chain."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook

from minzheng.audit.models import AuditEvent
from minzheng.registry.spreadsheets import safe_row

EXPORT_HEADERS = (
    "序号",
    "时间",
    "操作人",
    "来源地址",
    "操作",
    "操作代码",
    "对象类型",
    "对象编号",
    "区划代码",
    "变更摘要",
    "本条哈希",
)


def events_workbook(events: Iterable[AuditEvent]) -> bytes:
    """Entries as .xlsx, times in the bureau's time zone, the summary one line per change."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.append(list(EXPORT_HEADERS))
    for event in events:
        sheet.append(
            safe_row(
                sheet,
                (
                    event.sequence,
                    timezone.localtime(event.occurred_at).replace(tzinfo=None),
                    event.actor_username,
                    event.ip_address or "",
                    event.action_label,
                    event.action,
                    event.target_label,
                    event.target_id,
                    event.division_code,
                    "\n".join(event.summary_lines()),
                    event.entry_hash,
                ),
            )
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
