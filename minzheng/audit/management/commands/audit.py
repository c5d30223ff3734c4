"""`minzheng audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import argparse
import re
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.audit.selectors import VERIFY_BATCH_SIZE, audit_chain_verify

VERIFY_HELP = """\
校验审计日志的哈希链 Walk the audit log's hash chain in sequence order and check every entry:
its hash, its link to the previous entry and that no sequence number is missing. Prints
"审计日志完整 all N entries hold; head <hash>" and exits 0, or names the first broken entry
and exits 1.

The chain alone cannot show that its newest entries were deleted. Record the head hash it prints
(on paper or in another system) and pass it later with --expect-head: the recorded head must
still be an entry of the chain, so deleting or rewriting the entries up to it is caught too.
"""


class Command(BaseCommand):
    help = "审计日志：校验哈希链 Audit log: verify the hash chain (minzheng audit verify)."
    requires_system_checks: list[str] = []  # reading the log needs nothing else to be configured

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(
            dest="subcommand", metavar="{verify}", title="subcommands"
        )
        subcommands.required = True
        verify = subcommands.add_parser(
            "verify",
            help="校验哈希链 verify the hash chain; exit 1 at the first broken entry",
            description=VERIFY_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        verify.add_argument(
            "--expect-head",
            metavar="HASH",
            help=(
                "a head hash printed by an earlier verify: it must still be in the chain, "
                "so a deletion of the newest entries is caught"
            ),
        )
        verify.add_argument(
            "--batch-size",
            type=int,
            default=VERIFY_BATCH_SIZE,
            help=f"entries read per query (default {VERIFY_BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(
                expect_head=options["expect_head"],
                batch_size=options["batch_size"],
                verbosity=int(options["verbosity"]),
            )

    def verify(self, *, expect_head: str | None, batch_size: int, verbosity: int) -> None:
        if expect_head is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", expect_head):
            raise CommandError(
                "--expect-head 应为64位十六进制哈希 --expect-head must be 64 hexadecimal digits"
            )
        if batch_size < 1:
            raise CommandError("--batch-size 应为正整数 --batch-size must be a positive integer")
        started = time.perf_counter()
        result = audit_chain_verify(expect_head=expect_head, batch_size=batch_size)
        elapsed = time.perf_counter() - started
        if not result.is_intact:
            self.stderr.write(result.message)
            sys.exit(1)
        self.stdout.write(result.message)
        if result.expected_head_sequence is not None:
            after = result.entries - result.expected_head_sequence
            self.stdout.write(
                f"记录的链头为第{result.expected_head_sequence}条，其后新增{after}条 "
                f"the expected head is entry {result.expected_head_sequence}, "
                f"{after} entries were added after it"
            )
        if verbosity >= 2:
            self.stdout.write(f"用时 took {elapsed:.2f} s")
