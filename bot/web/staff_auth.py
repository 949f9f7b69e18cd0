"""The console's staff login: the staff token (setting ``staff_token``) and who is signing in.

A staff member types their name (or staff number) and the staff token; the server
answers with a session cookie that names them (HttpOnly, SameSite=Strict, only under
``/console``), so every audit entry says who. The cookie is a JWT (HS256, with ``exp``),
the same kind of signed token as the citizen token (bot/identity.py), signed with a key
derived from the staff token: changing the token signs everyone out. It carries only the
staff member's name, nothing secret, so it is signed, not encrypted (Fernet, bot/sealed.py,
is for what must stay unreadable).
Scripts may instead send ``Authorization: Bearer <staff token>`` and ``X-Staff-Name``
(percent-encoded UTF-8 for names outside ASCII). Anything else gets 401.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import unquote

import jwt
from fastapi import Request

COOKIE = "onceonly_staff"
COOKIE_PATH = "/console"
SESSION_SECONDS = 12 * 3600
ISSUER = "onceonly-console"
# Letters (any script, so 张三 too), digits, space, dot, middle dot, hyphen, underscore.
_STAFF_NAME = re.compile(r"^[\w .·-]{1,32}$")


def valid_staff_name(name: object) -> str | None:
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name and _STAFF_NAME.match(name) else None


class StaffAuth:
    def __init__(self, staff_token: str) -> None:
        self._token = staff_token.encode()
        self._key = hashlib.sha256(b"onceonly console session\0" + self._token).digest()

    def token_ok(self, given: object) -> bool:
        return (
            isinstance(given, str) and bool(self._token) and hmac.compare_digest(given.encode(), self._token)
        )

    def session_cookie(self, staff: str, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {"sub": staff, "iss": ISSUER, "iat": issued, "exp": issued + SESSION_SECONDS}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def staff_from_cookie(self, value: str | None) -> str | None:
        """The staff member a genuine, unexpired session cookie names; otherwise None."""
        if not value or len(value) > 1024 or not self._token:
            return None
        try:
            claims = jwt.decode(
                value,
                self._key,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        return valid_staff_name(claims.get("sub"))

    def staff_of(self, request: Request) -> str | None:
        """Who is asking, if they hold the staff token (as a session cookie or a bearer header)."""
        authorization = request.headers.get("authorization") or ""
        if authorization.startswith("Bearer "):
            if self.token_ok(authorization[len("Bearer ") :]):
                return valid_staff_name(unquote(request.headers.get("x-staff-name") or ""))
            return None
        return self.staff_from_cookie(request.cookies.get(COOKIE))
