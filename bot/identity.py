"""The signed citizen token a host page (the portal's login) passes with each message.

Format: a JWT (RFC 7519) signed with HMAC-SHA256 using the shared secret
``ONCEONLY_CITIZEN_TOKEN_SECRET``; claims ``sub`` (the citizen id the registry
knows), ``iss`` = ``onceonly-portal``, ``iat`` and ``exp`` (required). The
channel puts it in the message metadata as ``citizen_token``. Anything that does
not verify is treated as "not signed in": the bot never trusts a bare citizen id.
"""

from __future__ import annotations

import re
import time
from typing import Any

import jwt

ISSUER = "onceonly-portal"
METADATA_KEY = "citizen_token"
# What a citizen id may look like, wherever one is accepted (the registry uses the same form).
CITIZEN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
_CITIZEN_ID = re.compile(CITIZEN_ID_PATTERN)


def sign_citizen_token(
    citizen_id: str, secret: str, ttl_seconds: int = 3600, now: float | None = None
) -> str:
    issued = int(now if now is not None else time.time())
    claims = {"sub": citizen_id, "iss": ISSUER, "iat": issued, "exp": issued + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_citizen_token(token: Any, secret: str) -> str | None:
    """The citizen id if the token is genuine, unexpired and ours; otherwise None."""
    if not isinstance(token, str) or not token or len(token) > 4096 or not secret:
        return None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    citizen = claims.get("sub")
    return citizen if isinstance(citizen, str) and _CITIZEN_ID.match(citizen) else None


def citizen_from_metadata(metadata: Any, secret: str) -> str | None:
    if not isinstance(metadata, dict):
        return None
    return verify_citizen_token(metadata.get(METADATA_KEY), secret)
