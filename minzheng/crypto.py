"""Personal data at rest: AES-256-GCM field encryption and an HMAC blind index for exact lookup.

The keyring is JSON: {"current": "<key id>", "keys": {"<key id>": "<base64 32 bytes>", ...},
"index_key": "<base64 32 bytes>"}. It comes from MINZHENG_DATA_KEY (the JSON itself, for a
secrets manager) or from the file MINZHENG_DATA_KEY_FILE (default var/data_keys.json, created
with a fresh keyring on first use of the default path only, like the secret key).

A ciphertext is `v1:<key id>:<base64(nonce || ciphertext || tag)>`, with the field's name as
associated data, so a value cannot be moved to another column unnoticed. Rotation adds a key and
re-encrypts rows under it (`minzheng keys rotate`); old keys stay readable until retired. The
blind-index key is not rotated: changing it would need every index recomputed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "v1"
NONCE_BYTES = 12


class DataKeyError(Exception):
    """The data key is missing, malformed or wrong; carries zh-Hans and English text."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]
    index_key: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {key_id: _b64(key) for key_id, key in self.keys.items()},
                "index_key": _b64(self.index_key),
            },
            indent=1,
        )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def new_key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def new_keyring() -> Keyring:
    key = AESGCM.generate_key(bit_length=256)
    return Keyring(current=new_key_id(key), keys={new_key_id(key): key}, index_key=os.urandom(32))


def parse_keyring(text: str) -> Keyring:
    try:
        raw = json.loads(text)
        keys = {
            str(key_id): base64.b64decode(value, validate=True)
            for key_id, value in raw["keys"].items()
        }
        index_key = base64.b64decode(raw["index_key"], validate=True)
        current = str(raw["current"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise DataKeyError(
            "数据密钥格式不正确", "the data keyring is malformed (see minzheng/crypto.py)"
        ) from None
    if current not in keys or any(len(key) != 32 for key in keys.values()) or len(index_key) != 32:
        raise DataKeyError(
            "数据密钥格式不正确：应为32字节密钥，且当前密钥在密钥列表中",
            "the data keyring is malformed: keys are 32 bytes and the current one is listed",
        )
    return Keyring(current=current, keys=keys, index_key=index_key)


def keyring_path() -> Path:
    return Path(os.environ.get("MINZHENG_DATA_KEY_FILE", settings.VAR_DIR / "data_keys.json"))


def write_keyring(keyring: Keyring, path: Path) -> None:
    """Write the keyring file atomically, readable by its owner only."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(keyring.to_json())
    temporary.chmod(0o600)
    temporary.replace(path)


def load_keyring() -> Keyring:
    if text := os.environ.get("MINZHENG_DATA_KEY"):
        return parse_keyring(text)
    path = keyring_path()
    if not path.exists():
        if "MINZHENG_DATA_KEY_FILE" in os.environ:
            raise DataKeyError(
                f"找不到数据密钥文件 {path}", f"the data key file {path} does not exist"
            )
        write_keyring(new_keyring(), path)
    return parse_keyring(path.read_text())


RECHECK_SECONDS = 1.0  # how often a process looks whether the key file changed

_lock = threading.Lock()
_keyring: Keyring | None = None
_loaded_mtime: int | None = None
_checked_at = 0.0
_ciphers: dict[bytes, AESGCM] = {}


def _file_mtime() -> int | None:
    if "MINZHENG_DATA_KEY" in os.environ:
        return None
    path = keyring_path()
    return path.stat().st_mtime_ns if path.exists() else None


def keyring(*, reload: bool = False) -> Keyring:
    """The process's keyring; read again when the key file changes (after a rotation)."""
    global _keyring, _loaded_mtime, _checked_at
    now = time.monotonic()
    if _keyring is not None and not reload and now - _checked_at < RECHECK_SECONDS:
        return _keyring
    with _lock:
        mtime = _file_mtime()
        if _keyring is None or reload or mtime != _loaded_mtime:
            _keyring = load_keyring()  # creates the default file on first use
            _loaded_mtime = _file_mtime()
        _checked_at = now
        return _keyring


def _cipher(key: bytes) -> AESGCM:
    cipher = _ciphers.get(key)
    if cipher is None:
        cipher = _ciphers[key] = AESGCM(key)
    return cipher


def keyring_add_key() -> Keyring:
    """Add a new key to the key file and make it current; the old keys stay for reading."""
    if "MINZHENG_DATA_KEY" in os.environ:
        raise DataKeyError(
            "密钥来自环境变量 MINZHENG_DATA_KEY，无法自动轮换；请使用密钥文件",
            "keys from MINZHENG_DATA_KEY cannot be rotated here; use a key file",
        )
    ring = keyring(reload=True)
    key = AESGCM.generate_key(bit_length=256)
    rotated = Keyring(
        current=new_key_id(key), keys={**ring.keys, new_key_id(key): key}, index_key=ring.index_key
    )
    write_keyring(rotated, keyring_path())
    return keyring(reload=True)


def keyring_remove_keys(key_ids: set[str]) -> Keyring:
    """Drop keys no longer used by any row (the caller checks that)."""
    ring = keyring(reload=True)
    if ring.current in key_ids:
        raise DataKeyError("不能删除当前密钥", "the current key cannot be removed")
    kept = Keyring(
        current=ring.current,
        keys={key_id: key for key_id, key in ring.keys.items() if key_id not in key_ids},
        index_key=ring.index_key,
    )
    write_keyring(kept, keyring_path())
    return keyring(reload=True)


def encrypt(value: str, *, field: str) -> str:
    """Encrypt a value for one column; empty stays empty."""
    if not value:
        return ""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(ring.keys[ring.current]).encrypt(nonce, value.encode(), field.encode())
    return f"{PREFIX}:{ring.current}:{_b64(nonce + sealed)}"


def decrypt(token: str, *, field: str) -> str:
    """Decrypt a value of one column; raise DataKeyError if the key is missing or wrong."""
    if not token:
        return ""
    try:
        prefix, key_id, payload = token.split(":", 2)
        raw = base64.b64decode(payload, validate=True)
    except ValueError:
        raise DataKeyError("密文格式不正确", "the stored ciphertext is malformed") from None
    if prefix != PREFIX:
        raise DataKeyError("密文版本未知", f"unknown ciphertext version {prefix!r}")
    key = keyring().keys.get(key_id) or keyring(reload=True).keys.get(key_id)
    if key is None:
        raise DataKeyError(
            f"缺少数据密钥 {key_id}，无法解密", f"data key {key_id} is missing: cannot decrypt"
        )
    try:
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
    except InvalidTag:
        raise DataKeyError(
            "数据密钥不正确或数据被篡改，无法解密",
            "wrong data key or tampered value: cannot decrypt",
        ) from None


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1] if token else ""


BLIND_INDEX_CHARS = 32  # 128 bits of HMAC-SHA256: no collision among billions of values


def blind_index(value: str, *, field: str) -> str:
    """A keyed hash for exact lookup: equal values give equal indexes, nothing else leaks."""
    message = f"{field}\x00{value}".encode()
    digest = hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()
    return digest[:BLIND_INDEX_CHARS]
