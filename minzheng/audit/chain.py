"""The audit log's hash chain: the canonical form of an entry and its SHA-256.

Pure Python (no Django, no models): the service, the verifier and the data migration that chained
the entries written before the chain existed all compute an entry's hash here, so they agree byte
for byte. Changing anything in this module breaks the verification of every stored entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import json
from collections.abc import Mapping
from typing import Any

GENESIS_HASH = "0" * 64
HASH_PATTERN = r"^[0-9a-f]{64}$"


def normalize_data(data: Mapping[str, Any] | None) -> Any:
    """Return `data` as both databases give it back: tuples as lists, keys as strings, 2.0 as 2.

    What is stored is then exactly what was hashed: PostgreSQL's jsonb keeps numbers as decimals
    and reads 1e+20 back as the integer 100000000000000000000.
    """
    return _canonical_numbers(json.loads(json.dumps(data or {}, allow_nan=False)))


def entry_content(
    *,
    sequence: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_username: str,
    ip_address: str | None,
    action: str,
    target_type: str,
    target_id: str,
    division_code: str,
    data: Any,
    previous_hash: str,
) -> dict[str, Any]:
    """The fields an entry's hash covers, each in one canonical form."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be an aware datetime")
    return {
        "sequence": int(sequence),
        "occurred_at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": None if actor_id is None else int(actor_id),
        "actor_username": actor_username,
        "ip_address": _canonical_ip(ip_address),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "division_code": division_code,
        "data": _canonical_numbers(data),
        "previous_hash": previous_hash,
    }


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(**fields: Any) -> str:
    """The SHA-256 (hex) of an entry's canonical JSON; keyword arguments as `entry_content`."""
    return hashlib.sha256(canonical_json(entry_content(**fields))).hexdigest()


@functools.lru_cache(maxsize=4096)  # a log holds few distinct addresses, each many times
def _canonical_ip(value: str | None) -> str | None:
    # SQLite gives back the text Django stored, PostgreSQL's inet its own spelling of IPv6; the
    # exploded form is the same for both and for every Python version.
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return value
    return address.exploded if address.version == 6 else str(address)


def _canonical_numbers(value: Any) -> Any:
    # A float with an integral value is that integer (entries written before the chain existed
    # may hold such floats on SQLite; PostgreSQL already gives them back as integers).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical_numbers(item) for item in value]
    return value
