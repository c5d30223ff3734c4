"""Access-table rows of the ageing statistics and bulletin (see tests/security/eldercare_parts.py).

The bulletin is the city's: its eldercare staff, the city administrator and the auditor read it;
a town, a village or a provider may not (a town reads its own lists on the parts' pages). Every
download of the Word document is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

READERS = frozenset({"city", "auditor"})
CITY_ONLY = {
    403: {
        **FORBIDDEN_WRITE,
        "detail": "只有市局养老服务人员、管理员和审计人员可以查看老龄工作统计和公报",
    }
}

PAGES: list = [
    Page("eldercare:report", "GET", "/eldercare/report/", (L, 403, 403, 403, 200, 200)),
    Page(
        "eldercare:report_file",
        "GET",
        "/eldercare/report/2026.docx",
        (L, 403, 403, 403, 200, 200),
        action="eldercare.report.export",
        changes=READERS,
    ),
]
OPERATIONS: list = [
    Operation(
        "eldercare_report_ageing",
        "get",
        "/api/eldercare/report/ageing",
        (401, 403, 403, 403, 200, 200),
        query="?year=2026",
        problems=CITY_ONLY,
    ),
    Operation(
        "eldercare_report_ageing_docx",
        "get",
        "/api/eldercare/report/ageing/docx",
        (401, 403, 403, 403, 200, 200),
        query="?year=2026",
        action="eldercare.report.export",
        changes=READERS,
        problems=CITY_ONLY,
    ),
]
IDS: dict[str, Callable[[], object]] = {}
