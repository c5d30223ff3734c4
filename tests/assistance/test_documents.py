"""The documents of a case: the decision letter (Word, PDF) and the village's notice sheet."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import zlib
from decimal import Decimal

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from minzheng.assistance import documents
from minzheng.assistance.demo import case_advance
from minzheng.assistance.services import case_apply, case_reject, case_terminate
from minzheng.audit.models import AuditEvent
from minzheng.rules.id_number import mask_id_number
from tests.assistance.conftest import APPLIED_ON, approve, family_request
from tests.conftest import (
    CHILD_ID,
    HEAD_ID,
    SPOUSE_ID,
    YANGSHE_VILLAGE,
    YANGSHE_VILLAGE_2,
    verified_login,
)
from tests.security.conftest import bearer

START = dt.date(2026, 2, 1)
FULL_NAMES = ("王建国", "李秀英", "王磊")
ID_NUMBERS = (HEAD_ID, SPOUSE_ID, CHILD_ID)
RIGHTS = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向张家港市人民政府申请行政复议"
    "（《中华人民共和国行政复议法》第二十条、第二十四条），"
    "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼"
    "（《中华人民共和国行政诉讼法》第四十六条）。"
)
PDF_REASON = documents.pdf_unavailable_reason()
needs_pdf = pytest.mark.skipif(PDF_REASON is not None, reason=f"PDF unavailable: {PDF_REASON}")


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a Word file, one per line."""
    document = Document(io.BytesIO(content))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


def pdf_objects(content: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to find the fonts WeasyPrint embedded."""
    parts = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


@pytest.fixture
def approved(dibao_case, yangshe_clerk, yangshe_approver):
    return approve(dibao_case, yangshe_clerk, yangshe_approver, START)


@pytest.fixture
def rejected(dibao_case, yangshe_approver):
    case_reject(
        case=dibao_case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 1, 20),
        reasons=["家庭金融资产超过规定", "共同生活家庭成员的收入未如实申报"],
    )
    dibao_case.refresh_from_db()
    return dibao_case


@pytest.fixture
def in_notice(dibao_case, yangshe_clerk):
    case_advance(dibao_case, "notice", yangshe_clerk, None, APPLIED_ON, START)
    dibao_case.refresh_from_db()
    return dibao_case


def test_the_approval_letter_in_word_names_the_applicant_the_amount_the_basis_and_the_rights(
    approved,
):
    text = docx_text(documents.decision_letter_docx(approved))

    assert approved.monthly_amount == Decimal("3007.19")
    assert "最低生活保障审核确认决定书" in text
    assert "张家港市杨舍镇人民政府" in text
    assert "王建国（公民身份号码 " + mask_id_number(HEAD_ID) + "）：" in text
    assert HEAD_ID not in text
    assert f"申请编号：{approved.number}" in text
    assert "月保障金额 | 3,007.19元" in text
    assert "起始月份 | 2026年2月" in text
    assert "决定日期 | 2026年1月19日" in text
    assert "共同生活家庭成员 | 3人" in text
    assert "2. 低保核算人均收入 366.67元 低于低保标准 1,208.00元" in text
    assert "✓" not in text
    assert "（待本地确认）" in text
    assert documents.PROVISIONAL_NOTE in text
    assert "应当及时告知杨舍镇人民政府（《社会救助暂行办法》第十三条第一款）" in text
    assert RIGHTS in text


def test_a_rejected_case_letter_lists_the_reasons_and_no_amount(rejected):
    text = docx_text(documents.decision_letter_docx(rejected))

    assert "最低生活保障不予批准通知书" in text
    assert "不予批准的理由：\n1. 家庭金融资产超过规定\n2. 共同生活家庭成员的收入未如实申报" in text
    assert "本机关于2026年1月20日决定不予批准" in text
    assert "月保障金额" not in text
    assert documents.REAPPLY in text
    assert RIGHTS in text


def test_the_letter_content_is_the_one_both_renderers_use(approved):
    letter = documents.letter_content(approved)

    assert (letter.is_approval, letter.title, letter.decided_on) == (
        True,
        "最低生活保障审核确认决定书",
        dt.date(2026, 1, 19),
    )
    assert letter.table[-1] == ("决定日期", "2026年1月19日")
    assert letter.rights == RIGHTS


def test_a_terminated_case_keeps_its_approval_letter(approved, yangshe_approver):
    case_terminate(
        case=approved,
        acting_user=yangshe_approver,
        on=dt.date(2026, 6, 3),
        reason="家庭收入超过标准",
        last_month=dt.date(2026, 6, 1),
    )
    approved.refresh_from_db()

    letter = documents.letter_content(approved)

    assert (approved.state, letter.title, letter.decided_on) == (
        "terminated",
        "最低生活保障审核确认决定书",
        dt.date(2026, 1, 19),
    )
    assert ("月保障金额", "3,007.19元") in letter.table


def test_a_street_issues_as_its_office_and_the_city_reviews(divisions):
    issuer = documents.issuer_of("320582001999")

    assert (issuer.office, issuer.short_office, issuer.reviewer) == (
        "张家港市金港街道办事处",
        "金港街道办事处",
        "张家港市人民政府",
    )


def test_an_undecided_case_has_no_letter(dibao_case):
    with pytest.raises(documents.NoDecisionError):
        documents.letter_content(dibao_case)


@needs_pdf
def test_the_letter_as_pdf_is_a_pdf_with_a_chinese_font(approved):
    content = documents.decision_letter_pdf(approved)

    assert content.startswith(b"%PDF-")
    assert len(content) > 10_000
    assert b"CJK" in pdf_objects(content)  # e.g. /BaseFont /ABCDEF+Noto-Serif-CJK-SC


def test_a_clerk_downloads_the_word_letter_and_the_download_is_audited(
    client, approved, yangshe_clerk
):
    verified_login(client, yangshe_clerk)

    response = client.get(f"/assistance/cases/{approved.pk}/letter.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX
    assert response["Content-Disposition"] == (
        f'attachment; filename="letter-{approved.number}.docx"'
    )
    assert "3,007.19元" in docx_text(response.content)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username, event.target_id, event.data) == (
        "assistance.case.letter",
        "yangshe_clerk",
        str(approved.pk),
        {"format": "docx", "decision": "approve"},
    )
    assert event.division_code == YANGSHE_VILLAGE


@needs_pdf
def test_a_clerk_downloads_the_pdf_letter(client, rejected, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    response = client.get(f"/assistance/cases/{rejected.pk}/letter.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.data) == (
        "assistance.case.letter",
        {"format": "pdf", "decision": "reject"},
    )


@pytest.mark.parametrize("suffix", ["pdf", "docx"])
def test_an_undecided_case_gives_404_and_audits_nothing(client, dibao_case, yangshe_clerk, suffix):
    verified_login(client, yangshe_clerk)
    events = AuditEvent.objects.count()

    response = client.get(f"/assistance/cases/{dibao_case.pk}/letter.{suffix}")

    assert response.status_code == 404
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("suffix", ["pdf", "docx"])
def test_another_towns_clerk_gets_404_for_the_letter(client, approved, tangqiao_clerk, suffix):
    verified_login(client, tangqiao_clerk)
    events = AuditEvent.objects.count()

    response = client.get(f"/assistance/cases/{approved.pk}/letter.{suffix}")

    assert response.status_code == 404
    assert AuditEvent.objects.count() == events


def test_without_pdf_support_the_page_says_so_in_chinese_and_word_still_works(
    client, approved, yangshe_clerk, monkeypatch
):
    monkeypatch.setattr(documents, "pdf_unavailable_reason", lambda: "未安装中文字体")
    verified_login(client, yangshe_clerk)
    events = AuditEvent.objects.count()

    response = client.get(f"/assistance/cases/{approved.pk}/letter.pdf", follow=True)

    assert response.redirect_chain == [(f"/assistance/cases/{approved.pk}/", 302)]
    assert "本机暂不能生成 PDF：未安装中文字体。请下载 Word 版" in response.content.decode()
    assert AuditEvent.objects.count() == events
    assert client.get(f"/assistance/cases/{approved.pk}/letter.docx").status_code == 200


def test_the_case_page_links_the_letter_once_decided(client, approved, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    page = client.get(f"/assistance/cases/{approved.pk}/").content.decode()

    assert f'href="/assistance/cases/{approved.pk}/letter.pdf"' in page
    assert f'href="/assistance/cases/{approved.pk}/letter.docx"' in page
    assert "/assistance/notices/" not in page


def test_the_case_page_of_an_open_case_has_no_letter_link(client, dibao_case, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    page = client.get(f"/assistance/cases/{dibao_case.pk}/").content.decode()

    assert "letter." not in page
    assert "/assistance/notices/" not in page


def test_the_case_page_links_the_notice_sheet_during_the_notice(client, in_notice, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    page = client.get(f"/assistance/cases/{in_notice.pk}/").content.decode()

    assert f'href="/assistance/notices/{YANGSHE_VILLAGE}/"' in page


def test_the_notice_sheet_masks_names_and_shows_no_identifier(
    client, family, in_notice, yangshe_clerk
):
    # A second application of the family, not in notice, stays off the sheet.
    case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao_edge",
        request=family_request(),
        on=APPLIED_ON,
    )
    verified_login(client, yangshe_clerk)

    response = client.get(f"/assistance/notices/{YANGSHE_VILLAGE}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="notice-row"') == 1
    assert "<td>王**</td>" in page
    assert "<td>3人</td>" in page
    assert "<td>最低生活保障</td>" in page
    assert '<td class="amount">3,007.19元/月</td>' in page  # the verify step's assessment
    assert "2026-01-05 至 2026-01-11" in page
    assert "向杨舍镇民政办反映" in page
    for name in FULL_NAMES:
        assert name not in page
    for id_number in ID_NUMBERS:
        assert id_number not in page
        assert id_number[6:14] not in page  # not even the birth date inside it
        assert mask_id_number(id_number) not in page
    assert not re.search(r"\d{11,}", page.replace(YANGSHE_VILLAGE, ""))  # no phone, no id
    css = documents.notice_css()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"<style>{css}</style>" in page  # allowed by exactly its hash, nothing else inline
    assert f"style-src 'self' 'sha256-{digest}'" in response["Content-Security-Policy"]


def test_the_notice_sheet_context_is_masked(in_notice):
    context = documents.notice_sheet([in_notice], on=dt.date(2026, 1, 6))

    row = context["rows"][0]
    assert (row.name, row.household_size, row.program) == ("王**", 3, "最低生活保障")
    assert (row.notice_from, row.notice_to) == (dt.date(2026, 1, 5), dt.date(2026, 1, 11))
    assert context["issuer"] == "张家港市杨舍镇人民政府"
    assert context["date_text"] == "2026年1月6日"


def test_an_empty_village_has_an_empty_sheet(client, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    response = client.get(f"/assistance/notices/{YANGSHE_VILLAGE_2}/")

    assert response.status_code == 200
    assert "目前没有公示中的申请" in response.content.decode()


def test_another_towns_clerk_may_not_see_the_notice_sheet(client, in_notice, tangqiao_clerk):
    verified_login(client, tangqiao_clerk)

    page = client.get(f"/assistance/notices/{YANGSHE_VILLAGE}/")
    pdf = client.get(f"/assistance/notices/{YANGSHE_VILLAGE}.pdf")

    assert (page.status_code, pdf.status_code) == (403, 403)
    assert "王**" not in page.content.decode()


@pytest.mark.parametrize("code", ["320582100999", "320582100", "abc"])
def test_a_code_that_is_no_village_gives_404(client, yangshe_clerk, code):
    verified_login(client, yangshe_clerk)

    assert client.get(f"/assistance/notices/{code}/").status_code == 404


@needs_pdf
def test_the_notice_sheet_as_pdf(client, in_notice, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    response = client.get(f"/assistance/notices/{YANGSHE_VILLAGE}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert b"CJK" in pdf_objects(response.content)


def test_the_api_returns_the_letter_and_audits_it(client, approved, yangshe_clerk):
    headers = bearer(client, yangshe_clerk)

    response = client.get(
        f"/api/assistance/cases/{approved.pk}/letter?format=docx", headers=headers
    )

    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX
    assert RIGHTS in docx_text(response.content)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.data) == (
        "assistance.case.letter",
        {"format": "docx", "decision": "approve"},
    )


def test_the_api_gives_404_for_an_undecided_case(client, dibao_case, yangshe_clerk):
    headers = bearer(client, yangshe_clerk)

    response = client.get(f"/api/assistance/cases/{dibao_case.pk}/letter", headers=headers)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_api_says_503_without_pdf_support(client, approved, yangshe_clerk, monkeypatch):
    monkeypatch.setattr(documents, "pdf_unavailable_reason", lambda: "未安装中文字体")
    headers = bearer(client, yangshe_clerk)

    response = client.get(f"/api/assistance/cases/{approved.pk}/letter", headers=headers)

    assert response.status_code == 503
    assert response.json()["detail"].startswith("本机暂不能生成 PDF：未安装中文字体")


@given(st.text(max_size=40))
def test_mask_name_keeps_the_length_and_reveals_at_most_the_first_character(name):
    masked = documents.mask_name(name)

    assert len(masked) == len(name)
    assert masked[:1] == name[:1]
    assert set(masked[1:]) <= {"*"}


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("王建国", "王**"), ("张", "张"), ("", "")],
)
def test_mask_name_examples(name, masked):
    assert documents.mask_name(name) == masked
