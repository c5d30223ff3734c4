"""Two-factor authentication with TOTP (django-otp): which step a user is at, codes, secrets.

A user must enter a one-time code after the password when they have a confirmed device; a user
whose role requires two-factor (`jurisdiction.two_factor_required`) and has none must first enrol.
Writes (enrolment, reset) are in `accounts.services`.
"""

from __future__ import annotations

import base64
import enum
import time

import segno
from django.contrib.auth.models import AnonymousUser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from minzheng.accounts.jurisdiction import two_factor_required
from minzheng.accounts.models import User

# The demo's published secret (base32 DEMOMINZHENGDEMOMINZHENGDEMOMINZ). Anyone can compute its
# codes, which is why `minzheng totp_code` prints codes only for devices holding this key.
DEMO_TOTP_KEY = base64.b32decode("DEMOMINZHENGDEMOMINZHENGDEMOMINZ").hex()
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10


class Step(enum.Enum):
    """What a signed-in user must still do before they may use the platform."""

    NONE = "none"  # verified, or two-factor neither required nor set up
    VERIFY = "verify"  # enter a code from the confirmed device
    ENROL = "enrol"  # the role requires two-factor and no device is confirmed yet


def user_has_two_factor(user: User | AnonymousUser) -> bool:
    """Whether the user has a confirmed authenticator (backup codes only come with one)."""
    return bool(user.is_authenticated) and (
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
    )


def two_factor_step(user: User) -> Step:
    """The step for a signed-in user (whose `is_verified` comes from django-otp's middleware)."""
    if not user.is_authenticated or user.is_verified():
        return Step.NONE
    if user_has_two_factor(user):
        return Step.VERIFY
    if two_factor_required(user):
        return Step.ENROL
    return Step.NONE


def new_secret() -> str:
    """A fresh 160-bit TOTP key, hex-encoded as django-otp stores it."""
    return random_hex(20)


def secret_base32(key_hex: str) -> str:
    """The key as authenticator apps take it when typed: base32, in groups of four."""
    text = base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")
    return " ".join(text[index : index + 4] for index in range(0, len(text), 4))


def provisioning_uri(*, user: User, key_hex: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key_hex, name=TOTP_DEVICE_NAME).config_url


def qr_code_data_uri(uri: str) -> str:
    """The URI as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def code_is_valid(*, key_hex: str, token: str) -> bool:
    """Check a code against a key not yet stored (enrolment), with one step of tolerance."""
    token = token.strip()
    if not (token.isdigit() and len(token) == 6):
        return False
    return bool(TOTP(bytes.fromhex(key_hex)).verify(int(token), tolerance=1))


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The device's code now (or at a given Unix time), computed the way django-otp checks it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"
