"""The OpenAPI schema is a contract: a change to it must be deliberate.

Regenerate after an intended change with `MINZHENG_UPDATE_SNAPSHOTS=1 ./dev test tests/api`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def test_openapi_schema_matches_the_snapshot(client) -> None:
    schema = client.get("/api/openapi.json").json()
    text = json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("MINZHENG_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")
