"""Sealed values: encrypted, authenticated and (for links) expiring, with keys derived per purpose.

Links may carry personal data only sealed and expiring (a notice that shows a signed-in
citizen's own reusable materials; a callback form tied to a conversation whose id is a
WeChat OpenID), and callback phone numbers are kept encrypted at rest. All of them use
Fernet (AES-128-CBC with HMAC-SHA256 and a timestamp, from ``cryptography``), whose
tokens expire by their own timestamp; each purpose gets its own key from the setting, so
a token made for one purpose never opens for another.

Fernet here, and not the signed JWTs of bot/identity.py and bot/web/staff_auth.py, because
what these carry (an OpenID, a citizen id, a phone number) must be encrypted, not only signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    def __init__(self, secret: str, purpose: str) -> None:
        key = hashlib.sha256(f"onceonly sealed {purpose}\0".encode() + secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()

    def open(self, token: object, ttl_seconds: int | None = None) -> dict[str, Any] | None:
        """The sealed value, or None when the token is not ours, was altered or has expired."""
        if not isinstance(token, str) or not token or len(token) > 4096:
            return None
        try:
            value = json.loads(self._fernet.decrypt(token.encode(), ttl=ttl_seconds))
        except (InvalidToken, ValueError, TypeError):
            return None
        return value if isinstance(value, dict) else None

    def expires_at(self, token: str, ttl_seconds: int) -> float | None:
        """When a genuine token stops opening (its timestamp plus the time to live)."""
        try:
            return float(self._fernet.extract_timestamp(token.encode()) + ttl_seconds)
        except (InvalidToken, ValueError, TypeError):
            return None
