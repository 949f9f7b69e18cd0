"""Who is asking, on the staff side: a signed-in person's session cookie, or a script's bearer token.

People sign in with their own account (bot/accounts/): the server keeps the session and the
browser holds only a random value naming it, in a cookie that is HttpOnly, SameSite=Strict and
sent on every path (the console at ``/console`` and the admin pages at ``/admin`` share it).
Scripts and tests may instead send ``Authorization: Bearer <staff_token>`` (setting
``staff_token``) with ``X-Staff-Name`` naming an existing, active account (percent-encoded
UTF-8 for names outside ASCII): the token proves a trusted machine, the name says whose role
applies and whom the audit log names. Anything else is nobody.
"""

from __future__ import annotations

import hmac
from urllib.parse import unquote

from fastapi import Request

from bot.accounts.roles import User
from bot.accounts.sessions import Current, Sessions

COOKIE = "onceonly_session"
COOKIE_PATH = "/"
BEARER = "Bearer "


class StaffAuth:
    def __init__(self, staff_token: str, sessions: Sessions) -> None:
        self._token = staff_token.encode()
        self.sessions = sessions

    def token_ok(self, given: object) -> bool:
        return (
            isinstance(given, str) and bool(self._token) and hmac.compare_digest(given.encode(), self._token)
        )

    def who(self, request: Request) -> Current | None:
        """The person (or the script acting as an account) behind ``request``, if any."""
        authorization = request.headers.get("authorization") or ""
        if authorization.startswith(BEARER) or authorization == BEARER.strip():
            if not self.token_ok(authorization[len(BEARER) :]):
                return None
            user = self.sessions.machine_user(unquote(request.headers.get("x-staff-name") or ""))
            return Current(user, must_change_password=False) if user is not None else None
        if authorization:
            return None
        return self.sessions.current(request.cookies.get(COOKIE))

    def user_of(self, request: Request) -> User | None:
        """The signed-in user the gate put on the request, or (outside the gate) whoever asks."""
        user = getattr(request.state, "user", None)
        if isinstance(user, User):
            return user
        current = self.who(request)
        return current.user if current is not None else None

    def staff_of(self, request: Request) -> str | None:
        """The account name that audit entries record for ``request``."""
        user = self.user_of(request)
        return user.name if user is not None else None

    @staticmethod
    def by_cookie(request: Request) -> bool:
        """Whether the request is signed in by a browser's cookie (not a script's bearer token)."""
        return not request.headers.get("authorization") and bool(request.cookies.get(COOKIE))
