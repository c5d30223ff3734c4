"""The documents of an assistance case: the decision letter and the village's public notice.

The letter (审核确认决定书 / 不予批准通知书) goes to the applicant: full name, masked id number, the
decision as the timeline records it, the recipient's duties and the ways to challenge it. Its
wording is built once (`letter_content`) and rendered twice: Word with python-docx (the format a
bureau edits) and PDF from a Django template through WeasyPrint.

The notice sheet (公示) lists the cases of one village in the `notice` state with the name masked
(张*), no identifiers at all, the proposed amount and the notice period.

Legal texts quoted (LawRefBook/Laws, the source S18 of /work/shared/policy/README.md uses):
- 社会救助暂行办法 (国务院令第649号, 2019 revision) arts. 11, 13, 58, 61, 65, 68;
- 中华人民共和国行政复议法 (2023 revision, in force 2024-01-01) arts. 20 (sixty days) and 24
  (the county-level government hears a case against the government one level below);
- 中华人民共和国行政诉讼法 (2017) art. 46 (six months, suing directly).

The PDF needs WeasyPrint (with Pango) and a CJK font; where either is missing the platform says so
once in the log, `DocumentUnavailable` carries a Chinese message for the page, and Word still works.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from minzheng.accounts.jurisdiction import case_scope_prefix
from minzheng.accounts.models import BusinessLine, User
from minzheng.assistance import selectors
from minzheng.assistance.models import AssistanceCase, Program
from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.audit.services import audit_record
from minzheng.registry.models import Division, DivisionKind
from minzheng.rules.parameters import PROVISIONAL_LABEL
from minzheng.workflow.models import TransitionRecord

logger = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
# Every step that decides an application: the town's approval (also by 一事一议, or completing
# an emergency payment), the city's on a referred case, and the refusals.
DECISIONS = ("approve", "deliberate", "complete", "city_approve", "reject", "city_reject")
REFUSALS = ("reject", "city_reject")
CITY_DECISIONS = ("city_approve", "city_reject")
VILLAGE_KINDS = (DivisionKind.VILLAGE, DivisionKind.COMMUNITY)

# The applicant's duties after approval, each with its article of 社会救助暂行办法 (令第649号).
# "{office}" is the deciding town's government. Art. 13 binds dibao households; the letters of
# the other programmes cite it as 参照, with art. 58, which binds every assisted household.
# Residence is asked for in plain words: art. 13 names 人口、收入、财产 only, and a move changes
# who assists the household.
DUTY_CHANGES = (
    "家庭人口状况、收入状况、财产状况发生变化的，应当及时告知{office}（{article}）；"
    "家庭成员户籍或者居住地迁移的，也请及时告知。"
)
DUTY_CHANGES_ARTICLE = {
    Program.DIBAO: "《社会救助暂行办法》第十三条第一款",
}
DUTY_CHANGES_OTHER = "参照《社会救助暂行办法》第十三条、第五十八条"
DUTIES = (
    "应当按照规定如实申报家庭收入状况、财产状况，配合定期核查"
    "（《社会救助暂行办法》第十三条第二款、第五十八条第一款）。",
    "采取虚报、隐瞒、伪造等手段骗取社会救助资金、物资的，由有关部门决定停止社会救助，"
    "责令退回非法获取的救助资金、物资，可以处非法获取的救助款额或者物资价值1倍以上3倍以下的罚款"
    "（《社会救助暂行办法》第六十八条）。",
)
# The chapter of 社会救助暂行办法 a programme rests on; the edge and rigid-expenditure households
# are defined by later 民政部 rules whose text was not read here, so they are named generally.
LEGAL_BASIS = {
    Program.DIBAO: "《社会救助暂行办法》（国务院令第649号）第二章",
    Program.EXTREME_POVERTY: "《社会救助暂行办法》（国务院令第649号）第三章",
    Program.TEMPORARY_ASSISTANCE: "《社会救助暂行办法》（国务院令第649号）第九章",
}
LEGAL_BASIS_OTHER = "国家和本地有关社会救助规定"
# 行政复议法 (2023) art. 20: sixty days from knowing of the act; art. 24 para. 1 item 2: the
# county-level government hears cases against the government one level below (the town).
# 行政诉讼法 art. 46: six months from knowing of the act, when suing directly.
RIGHTS = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向{reviewer}申请行政复议"
    "（《中华人民共和国行政复议法》第二十条、第二十四条），"
    "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼"
    "（《中华人民共和国行政诉讼法》第四十六条）。"
)
PROVISIONAL_NOTE = f"注：标注“{PROVISIONAL_LABEL}”的条目，所依据的政策参数尚待本地文件确认。"
PROVISIONAL_NOTE_GENERAL = f"注：本决定所用的部分政策参数尚待本地文件确认（{PROVISIONAL_LABEL}）。"
GENERATED_NOTE = "本文书由民政平台生成，以经办机关盖章送达的文本为准。"
REAPPLY = "家庭情况发生变化、符合条件的，可以重新提出申请。"
# 社会救助暂行办法 art. 11 (2): the town publishes in the applicant's village before deciding;
# art. 61: personal data beyond what must be published stays confidential.
NOTICE_INTRO = (
    "根据《社会救助暂行办法》等有关规定，下列社会救助申请已经家庭经济状况核对和入户调查，"
    "现予公示，接受群众监督。"
)
NOTICE_PRIVACY = "依照《社会救助暂行办法》第六十一条，公示仅列必要信息，姓名已部分隐去。"


class DocumentUnavailable(Exception):  # noqa: N818 - a state of the machine, not a misuse
    """A document this machine cannot make now (no WeasyPrint, Pango or CJK font)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh = message_zh
        self.message_en = message_en


class NoDecisionError(Http404):
    """The case has no decision (approval or refusal) to write a letter about."""


def mask_name(name: str) -> str:
    """Keep the first character of a name and star the rest: 张三 → 张*, 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * max(len(name) - 1, 0)


def _program_label(code: str) -> str:
    """The programme's Chinese name, whatever the reader's language: the documents are Chinese."""
    with translation.override("zh-hans"):
        return str(Program(code).label)


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _plain(reason: str) -> str:
    """A reason of the rules without its ✓/✗ mark: the letter states what held."""
    return reason.removeprefix("✓ ").removeprefix("✗ ")


def _division_names(division_code: str) -> dict[str, Division]:
    """The city, the town and the village of a 12-digit village code, those that exist."""
    codes = [division_code[:6], division_code[:9], division_code]
    return {division.code: division for division in Division.objects.filter(code__in=codes)}


def _office(division: Division | None) -> str:
    """The government body of a town-level division: 镇人民政府, 街道办事处, 园区管理委员会."""
    if division is None:
        return "镇(街道)人民政府"
    if division.kind == DivisionKind.STREET:
        return f"{division.name}办事处"
    if division.kind == DivisionKind.PARK:
        return f"{division.name}管理委员会"
    return f"{division.name}人民政府"


@dataclass(frozen=True)
class Issuer:
    office: str  # 张家港市杨舍镇人民政府: the issuer of the letter
    short_office: str  # 杨舍镇人民政府: where the recipient reports changes
    town: str  # 杨舍镇
    village: str  # 杨舍镇合成社区01
    reviewer: str  # 张家港市人民政府: the administrative reconsideration body


def issuer_of(division_code: str) -> Issuer:
    """Who decides and who reviews, from a case's village code."""
    names = _division_names(division_code)
    city = names.get(division_code[:6])
    town = names.get(division_code[:9])
    village = names.get(division_code)
    city_name = city.name if city else ""
    short = _office(town)
    return Issuer(
        office=f"{city_name}{short}",
        short_office=short,
        town=town.name if town else "",
        village=village.name if village else division_code,
        reviewer=f"{city_name or '县级'}人民政府",
    )


@dataclass(frozen=True)
class Letter:
    """The wording of one decision letter, the same in Word and in PDF."""

    is_approval: bool
    title: str
    issuer: str
    number: str
    salutation: str
    opening: str
    table: tuple[tuple[str, str], ...]
    basis_heading: str
    basis: tuple[str, ...]
    provisional_note: str
    duties_heading: str
    duties: tuple[str, ...]
    rights: str
    decided_on: dt.date
    date_text: str
    generated_note: str


def _decision(case: AssistanceCase) -> tuple[TransitionRecord, TransitionRecord | None]:
    """The latest approval or refusal of the case, and its application step."""
    records = list(selectors.case_timeline(case=case))
    decisions = [record for record in records if record.transition in DECISIONS]
    if case.state not in {"active", "rejected", "terminated"} or not decisions:
        raise NoDecisionError("该申请尚未作出审核确认或不予批准决定")
    applied = next((record for record in records if record.transition == "apply"), None)
    return decisions[-1], applied


def _decided_amount(summary: dict[str, Any]) -> Decimal:
    """The amount approved, as the approval step stored it (one-off for temporary help)."""
    value = summary.get("one_off_amount") or summary.get("monthly_amount") or 0
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _provisional_note(case: AssistanceCase, reasons: Sequence[str]) -> str:
    """The note on provisional parameters, where the assessment rests on any."""
    if any(PROVISIONAL_LABEL in reason for reason in reasons):
        return PROVISIONAL_NOTE
    program = (case.assessment or {}).get("programs", {}).get(case.program, {})
    if any(reference.get("provisional") for reference in program.get("references", [])):
        return PROVISIONAL_NOTE_GENERAL
    return ""


def letter_content(case: AssistanceCase) -> Letter:
    """The words of the decision letter of a decided case; NoDecisionError otherwise."""
    decision, applied = _decision(case)
    issuer = issuer_of(case.division_code)
    if decision.transition in CITY_DECISIONS:  # the city's bureau decided (above the limit)
        city_name = issuer.office[: len(issuer.office) - len(issuer.short_office)]
        issuer = replace(issuer, office=f"{city_name}民政局", short_office="民政局")
    program = _program_label(case.program)
    applicant = case.applicant
    applied_text = f"你于{_day(applied.on)}提出的" if applied else "你提出的"
    request_text = f"{applied_text}{program}申请（申请编号 {case.number}）"
    common = {
        "issuer": issuer.office,
        "number": case.number,
        "salutation": f"{applicant.name}（公民身份号码 {applicant.id_number_masked}）：",
        "rights": RIGHTS.format(reviewer=issuer.reviewer),
        "decided_on": decision.on,
        "date_text": _day(decision.on),
        "generated_note": GENERATED_NOTE,
    }
    if decision.transition in REFUSALS:
        reasons = tuple(decision.data.get("reasons", []))
        return Letter(
            is_approval=False,
            title=f"{program}不予批准通知书",
            opening=(
                f"{request_text}，经审核，本机关于{_day(decision.on)}决定不予批准，现书面告知理由。"
            ),
            table=(
                ("救助项目", program),
                ("申请编号", case.number),
                ("决定日期", _day(decision.on)),
            ),
            basis_heading="不予批准的理由",
            basis=reasons,
            provisional_note="",
            duties_heading="",
            duties=(REAPPLY,),
            **common,
        )
    summary = decision.data.get("assessment", {})
    reasons = tuple(_plain(reason) for reason in summary.get("reasons", []))
    amount = _decided_amount(summary)
    is_one_off = bool(summary.get("one_off_amount")) or case.program == "temporary_assistance"
    if "amount" in decision.data:  # decided by people, not computed: 一事一议, the city
        amount = Decimal(decision.data["amount"])
    elif decision.transition == "complete":  # the emergency payment, papers completed after
        amount = case.monthly_amount or amount
    if decision.transition == "deliberate":
        reasons = (
            "经集体研究（一事一议）决定：" + decision.note,
            "参加研究人员：" + "、".join(decision.data.get("members", [])),
        )
    table: list[tuple[str, str]] = [("救助项目", program), ("申请编号", case.number)]
    size = (case.assessment or {}).get("household_size")
    if size:
        table.append(("共同生活家庭成员", f"{size}人"))
    if is_one_off:
        table.append(("救助金额（一次性）", _yuan(amount)))
    else:
        table.append(("月保障金额", _yuan(amount)))
        if case.start_month is not None:
            table.append(("起始月份", f"{case.start_month.year}年{case.start_month.month}月"))
    table.append(("决定日期", _day(decision.on)))
    return Letter(
        is_approval=True,
        title=f"{program}审核确认决定书",
        opening=(
            f"{request_text}，经受理、家庭经济状况核对、入户调查和公示，"
            f"依据{LEGAL_BASIS.get(case.program, LEGAL_BASIS_OTHER)}及本地救助标准，"
            f"本机关于{_day(decision.on)}审核确认，决定予以批准，具体如下："
        ),
        table=tuple(table),
        basis_heading="审核确认依据",
        basis=reasons,
        provisional_note=_provisional_note(case, reasons),
        duties_heading="保障对象的义务",
        duties=(
            DUTY_CHANGES.format(
                office=issuer.short_office,
                article=DUTY_CHANGES_ARTICLE.get(case.program, DUTY_CHANGES_OTHER),
            ),
            *DUTIES,
        ),
        **common,
    )


def _set_font(run_or_style: Any, east_asian: str, size: float | None = None) -> None:
    """Word picks the CJK glyphs from the eastAsia font, which python-docx does not set."""
    font = run_or_style.font
    if size is not None:
        font.size = Pt(size)
    element = run_or_style.element
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def decision_letter_docx(case: AssistanceCase) -> bytes:
    """The decision letter as a Word document."""
    return _letter_docx(letter_content(case))


def _letter_docx(letter: Letter) -> bytes:
    document = Document()
    _set_font(document.styles["Normal"], "宋体", 12)
    issuer = document.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(issuer.add_run(letter.issuer), "黑体", 14)
    heading = document.add_heading(level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(heading.add_run(letter.title), "黑体", 18)
    number = document.add_paragraph(f"申请编号：{letter.number}")
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph(letter.salutation)
    document.add_paragraph(letter.opening)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in letter.table:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph(f"{letter.basis_heading}：")
    for number_, reason in enumerate(letter.basis, 1):
        document.add_paragraph(f"{number_}. {reason}")
    if letter.provisional_note:
        document.add_paragraph(letter.provisional_note)
    if letter.duties_heading:
        document.add_paragraph(f"{letter.duties_heading}：")
    for number_, duty in enumerate(letter.duties, 1):
        document.add_paragraph(f"{number_}. {duty}" if letter.duties_heading else duty)
    document.add_paragraph(letter.rights)
    for text in (letter.issuer, letter.date_text):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    note = document.add_paragraph()
    _set_font(note.add_run(letter.generated_note), "宋体", 9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@functools.cache
def pdf_unavailable_reason() -> str | None:
    """Why this machine cannot make PDFs, or None; logged once per process."""
    reason = None
    try:
        # Imported here, not at the top: without Pango the import itself fails (OSError),
        # and everything else of the platform must keep working.
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        reason = "未安装 WeasyPrint 或其依赖的 Pango 库"
    else:
        fc_list = shutil.which("fc-list")
        if fc_list is None:
            reason = "未找到 fc-list（fontconfig），无法确认已安装中文字体"
        else:
            listing = subprocess.run(  # noqa: S603 - a fixed command, no user input
                [fc_list, ":lang=zh", "family"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if not listing.stdout.strip():
                reason = "未安装中文字体（如 fonts-noto-cjk 或 fonts-wqy-microhei）"
    if reason:
        logger.warning("PDF documents are unavailable on this machine: %s", reason)
    return reason


def _pdf(html: str) -> bytes:
    reason = pdf_unavailable_reason()
    if reason is not None:
        raise DocumentUnavailable(
            f"本机暂不能生成 PDF：{reason}。请下载 Word 版，或请管理员安装后重试。",
            f"PDF is unavailable on this machine: {reason}",
        )
    import weasyprint  # see pdf_unavailable_reason: optional at import time

    return weasyprint.HTML(string=html).write_pdf()


def decision_letter_pdf(case: AssistanceCase) -> bytes:
    """The decision letter as PDF; DocumentUnavailable where PDFs cannot be made."""
    return _letter_pdf(letter_content(case))


def _letter_pdf(letter: Letter) -> bytes:
    return _pdf(render_to_string("assistance/decision_letter.html", {"letter": letter}))


@dataclass(frozen=True)
class LetterFile:
    content: bytes
    content_type: str
    filename: str


def case_letter_file(*, case: AssistanceCase, acting_user: User, file_format: str) -> LetterFile:
    """Make the letter of a case read in the user's scope, and audit the download.

    The file is made before the audit event is written and outside any transaction: a PDF
    takes a second or two, and no writer should wait on it; a failure records nothing.
    """
    letter = letter_content(case)
    if file_format == "pdf":
        content, content_type = _letter_pdf(letter), PDF
    elif file_format == "docx":
        content, content_type = _letter_docx(letter), DOCX
    else:
        raise ValueError(f"unknown letter format {file_format!r}")
    audit_record(
        actor=acting_user,
        action="assistance.case.letter",
        target=case,
        data={"format": file_format, "decision": "approve" if letter.is_approval else "reject"},
        division_code=case.division_code,
    )
    return LetterFile(content, content_type, f"letter-{case.number}.{file_format}")


@dataclass(frozen=True)
class NoticeRow:
    name: str  # masked
    household_size: int
    program: str
    amount: str
    notice_from: dt.date | None
    notice_to: dt.date | None


def notice_cases(*, user: User, village_code: str) -> list[AssistanceCase]:
    """The cases of a village in the notice state, for a user whose scope covers the village.

    PermissionDenied outside the user's scope (village names are public), Http404 for a code
    that is not a village or community.
    """
    if len(village_code) != 12 or not village_code.isdigit():
        raise Http404
    prefix = case_scope_prefix(user=user, business_line=BusinessLine.ASSISTANCE)
    if prefix is None or not village_code.startswith(prefix):
        raise PermissionDenied("您无权查看该村(社区)的公示")
    if not Division.objects.filter(code=village_code, kind__in=VILLAGE_KINDS).exists():
        raise Http404
    cases = selectors.case_list(user=user, state="notice").filter(division_code=village_code)
    return list(cases.order_by("number"))


def _household_size(case: AssistanceCase) -> int:
    return sum(1 for member in case.request.get("members", []) if not member.get("deceased"))


def notice_sheet(
    cases: Sequence[AssistanceCase], *, village_code: str = "", on: dt.date | None = None
) -> dict[str, Any]:
    """The context of a village's notice sheet: masked names, amounts, periods; no identifiers.

    `cases` are the village's cases in the notice state (already read in the user's scope);
    `village_code` names the village when there are none.
    """
    codes = {case.division_code for case in cases} | ({village_code} if village_code else set())
    if len(codes) != 1:
        raise ValueError("a notice sheet is for exactly one village")
    code = codes.pop()
    records: dict[int, list[TransitionRecord]] = {case.pk: [] for case in cases}
    for record in TransitionRecord.objects.filter(
        workflow=ASSISTANCE_CASE.name, object_id__in=list(records)
    ).order_by("pk"):
        records[record.object_id].append(record)
    rows = []
    for case in cases:
        steps = records[case.pk]
        notice = next((step for step in reversed(steps) if step.transition == "notice"), None)
        summary = next(
            (step.data["assessment"] for step in reversed(steps) if "assessment" in step.data),
            None,
        )
        notice_from = notice_to = None
        if notice is not None and notice.data.get("notice_from"):
            notice_from = dt.date.fromisoformat(notice.data["notice_from"])
            notice_to = notice_from + dt.timedelta(days=int(notice.data.get("days", 1)) - 1)
        if summary is None:
            amount = "—"
        elif summary.get("one_off_amount"):
            amount = f"{_yuan(_decided_amount(summary))}（一次性）"
        else:
            amount = f"{_yuan(_decided_amount(summary))}/月"
        rows.append(
            NoticeRow(
                name=mask_name(case.applicant.name),
                household_size=_household_size(case),
                program=_program_label(case.program),
                amount=amount,
                notice_from=notice_from,
                notice_to=notice_to,
            )
        )
    rows.sort(key=lambda row: (row.notice_from or dt.date.max, row.name))
    issuer = issuer_of(code)
    town_office = f"{issuer.town}民政办" if issuer.town else "镇(街道)民政办"
    return {
        "village_code": code,
        "village": issuer.village,
        "issuer": issuer.office,
        "title": f"{issuer.village}社会救助申请公示",
        "intro": NOTICE_INTRO,
        "rows": rows,
        "objection": f"对公示对象有异议的，请在公示期内向{town_office}反映（书面或者当面均可）。",
        "privacy": NOTICE_PRIVACY,
        "on": on,
        "date_text": _day(on) if on else "",
    }


def notice_sheet_pdf(context: dict[str, Any]) -> bytes:
    """The notice sheet as A4 PDF; DocumentUnavailable where PDFs cannot be made."""
    return _pdf(
        render_to_string(
            "assistance/notice_sheet.html",
            {**context, "print_css": notice_css(), "for_pdf": True},
        )
    )


def notice_css() -> str:
    """The notice sheet's stylesheet (A4, print), inlined: the page sends its hash in the CSP."""
    return render_to_string("assistance/notice_sheet.css")
