from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng import crypto
from minzheng.audit.services import audit_record
from minzheng.registry.services import encrypted_models, key_usage, values_reencrypt


class Command(BaseCommand):
    help = "数据密钥 Data keys: status, rotate (re-encrypt under a new key), retire old keys."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="keys in the keyring and how many values each encrypts")
        rotate = actions.add_parser(
            "rotate",
            help="add a new current key and re-encrypt every value under it, in batches; "
            "run again with --resume to finish a rotation that stopped",
        )
        rotate.add_argument("--batch-size", type=int, default=2000)
        rotate.add_argument(
            "--resume", action="store_true", help="keep the current key, re-encrypt what is left"
        )
        actions.add_parser("retire", help="remove keys that no stored value uses any more")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except crypto.DataKeyError as error:
            raise CommandError(str(error)) from None

    def _status(self, options: dict[str, Any]) -> None:
        ring = crypto.keyring(reload=True)
        usage = key_usage()
        for key_id in ring.keys:
            mark = "当前 current" if key_id == ring.current else ""
            self.stdout.write(f"  {key_id}  {usage.get(key_id, 0):>10,} 个值 values  {mark}")
        unknown = set(usage) - set(ring.keys)
        if unknown:
            raise CommandError(
                f"有数据使用密钥环中没有的密钥 values use keys missing from the keyring: "
                f"{', '.join(sorted(unknown))}"
            )

    def _rotate(self, options: dict[str, Any]) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 应为正整数 must be positive")
        ring = crypto.keyring(reload=True) if options["resume"] else crypto.keyring_add_key()
        self.stdout.write(f"当前密钥 current key {ring.current}")
        started, total = time.perf_counter(), 0
        for model in encrypted_models():
            last_pk = 0
            while True:
                last_pk, changed = values_reencrypt(
                    model=model, after_pk=last_pk, batch_size=options["batch_size"]
                )
                total += changed
                if not last_pk:
                    break
        audit_record(
            actor=None,
            action="keys.rotate",
            target=None,
            data={"current_key": ring.current, "reencrypted": total},
        )
        self.stdout.write(
            f"已重新加密 re-encrypted {total:,} 条记录 records "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def _retire(self, options: dict[str, Any]) -> None:
        ring = crypto.keyring(reload=True)
        usage = key_usage()
        unused = {
            key_id for key_id in ring.keys if key_id != ring.current and not usage.get(key_id)
        }
        if unused:
            crypto.keyring_remove_keys(unused)
            audit_record(
                actor=None, action="keys.retire", target=None, data={"retired": sorted(unused)}
            )
        self.stdout.write(f"已删除 retired {len(unused)} 个密钥 keys: {', '.join(sorted(unused))}")
