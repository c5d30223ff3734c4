"""`minzheng audit verify`: what operators see, and the exit status scripts check."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from minzheng.audit.models import AuditEvent
from tests.audit.helpers import triggers_bypassed


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_verify_reports_an_intact_log_and_its_head(family) -> None:
    last = AuditEvent.objects.order_by("-sequence").first()
    count = AuditEvent.objects.count()
    assert verify() == (0, f"审计日志完整 all {count} entries hold; head {last.entry_hash}\n", "")


def test_verify_names_the_first_broken_entry_and_exits_1(family) -> None:
    event = AuditEvent.objects.get(sequence=3)
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=event.pk).update(actor_username="intruder")
    assert verify() == (
        1,
        "",
        f"第3条记录被篡改 entry 3 (id {event.pk}) is broken: 记录内容与其哈希不符（内容被修改） "
        "its content does not match its hash (the entry was altered)\n",
    )


def test_expect_head_catches_a_deleted_newest_entry(family) -> None:
    _status, output, _errors = verify()
    head = output.rsplit(" ", 1)[-1].strip()
    newest, before = AuditEvent.objects.order_by("-sequence")[:2]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=newest.pk).delete()
    assert verify()[0] == 0
    status, output, errors = verify("--expect-head", head)
    assert (status, output) == (1, "")
    assert errors.startswith(
        f"第{before.sequence}条记录被篡改 entry {before.sequence} (id {before.pk}) is broken: "
        "日志中找不到记录的链头"
    )


def test_expect_head_reports_where_the_recorded_head_is(family) -> None:
    head = AuditEvent.objects.order_by("-sequence").first()
    status, output, _errors = verify("--expect-head", head.entry_hash)
    assert status == 0
    assert output.splitlines()[1] == (
        f"记录的链头为第{head.sequence}条，其后新增0条 "
        f"the expected head is entry {head.sequence}, 0 entries were added after it"
    )


@pytest.mark.parametrize("head", ["abc", "g" * 64, "0" * 63])
def test_expect_head_must_be_a_sha256(db, head: str) -> None:
    with pytest.raises(CommandError, match="64 hexadecimal digits"):
        verify("--expect-head", head)


def test_audit_help_lists_verify_and_explains_the_head() -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "  audit " in listing.stdout
    audit_help = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "audit", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "verify" in audit_help.stdout
    verify_help = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "audit", "verify", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--expect-head HASH" in verify_help.stdout
    assert "deleting or rewriting" in verify_help.stdout
