"""Short signed tokens for unsubscribe, preference and confirmation links.

A token is `<subject>.<expiry>.<mac>`: the subject base64url-encoded, the expiry as base-36 Unix seconds
(empty when the token never expires) and an HMAC-SHA256 over purpose, subject and expiry, truncated to
16 bytes. The purpose is bound into the MAC but not carried, so an unsubscribe token cannot confirm a
subscription. The first key signs; every key verifies, so keys can be rotated without breaking old links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

from scc_sync.errors import InputError

MAC_BYTES = 16
MIN_KEY_BYTES = 16


class InvalidToken(InputError, ValueError):
    """The token is malformed, forged, for another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


class TokenSigner:
    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("TokenSigner needs at least one secret key")
        for index, key in enumerate(keys):
            if len(key) < MIN_KEY_BYTES:
                raise ValueError(f"token key #{index} is {len(key)} bytes; use at least {MIN_KEY_BYTES}")
        self._keys = tuple(keys)

    def _mac(self, key: bytes, purpose: str, subject: bytes, expiry: str) -> bytes:
        message = b"\0".join((purpose.encode("utf-8"), subject, expiry.encode("ascii")))
        return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, purpose: str, subject: str | int, *, expires: datetime | None = None) -> str:
        raw = str(subject).encode("utf-8")
        expiry = ""
        if expires is not None:
            if expires.tzinfo is None:
                raise ValueError("token expiry must be timezone-aware")
            expiry = _base36(int(expires.timestamp()))
        mac = self._mac(self._keys[0], purpose, raw, expiry)
        return f"{_b64(raw)}.{expiry}.{_b64(mac)}"

    def verify(self, token: str, purpose: str, *, now: datetime) -> str:
        """Return the subject the token was signed for, or raise `InvalidToken`."""
        try:
            raw_b64, expiry, mac_b64 = token.split(".")
            raw, mac = _unb64(raw_b64), _unb64(mac_b64)
            expires_at = int(expiry, 36) if expiry else None
            if _b64(raw) != raw_b64 or _b64(mac) != mac_b64:  # one token, one spelling
                raise ValueError("non-canonical base64")
        except (ValueError, binascii.Error) as exc:
            raise InvalidToken("malformed token") from exc
        # Compare against every key (no early exit) so timing does not reveal which key matched.
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(self._mac(key, purpose, raw, expiry), mac)
        if not matched:
            raise InvalidToken("token signature does not match (tampered, wrong purpose or unknown key)")
        if expires_at is not None and now.timestamp() >= expires_at:
            raise InvalidToken("token expired")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:  # cannot happen for tokens we signed
            raise InvalidToken("malformed token subject") from exc
