"""Signing in and staying signed in: passwords, lockout, server-side sessions that expire.

A session ends after ``session_idle_minutes`` without a request and at the latest
``session_hours`` after sign-in (settings group ``accounts``): a console left open on a shared
desk does not stay signed in overnight. ``lockout_failures`` wrong passwords in a row lock the
account for ``lockout_minutes``, whatever the next password: guessing stays slow even from
many machines. Changing one's password, an administrator resetting it or disabling the account,
and "sign out everywhere" all delete the account's session rows, so every open console
(another desk, a lost phone) is signed out at its next request.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from bot.accounts import passwords
from bot.accounts.roles import User
from bot.accounts.store import Account, AccountStore, valid_account_name
from bot.jsonapi import ApiError
from bot.settings import AccountSettings

WRONG = "账号或密码不对"
# The one answer to every failed sign-in (the lockout is named without saying whether it applies).
REFUSED = f"{WRONG}。多次输错后账号会暂时锁定，请稍后再试，或请管理员重置密码"
# Sessions are touched at most this often: the idle clock needs minutes, not a write per request.
TOUCH_SECONDS = 60


def refused() -> ApiError:
    return ApiError(401, "sign_in_failed", REFUSED)


@dataclass(frozen=True)
class SignedIn:
    token: str  # the cookie's value: shown to this browser once, stored only as its hash
    user: User
    must_change_password: bool
    max_age: int  # seconds the cookie may live (the session's absolute end)


@dataclass(frozen=True)
class Current:
    """Who a session cookie belongs to right now."""

    user: User
    must_change_password: bool


class Sessions:
    def __init__(self, store: AccountStore, settings: AccountSettings) -> None:
        self.store = store
        self.idle = settings.session_idle_minutes * 60
        self.lifetime = settings.session_hours * 3600
        self.failures = settings.lockout_failures
        self.lockout = settings.lockout_minutes * 60

    def sign_in(self, name: object, password: object, now: float | None = None) -> SignedIn:
        """A new session for the account, or the one 401 :data:`REFUSED` whatever went wrong.

        An unknown or disabled name, a wrong password and a locked account all get the same
        status, code and words, and each costs one argon2 check (a decoy hash when there is no
        account or it is locked), so neither the answer nor a stopwatch tells a stranger which
        names exist. OWASP's advice; the owner sees the lockout in their account's events and an
        administrator on /admin/users (where a reset lifts it)."""
        now = time.time() if now is None else now
        account_name = valid_account_name(name)
        if not isinstance(password, str) or not password or len(password) > passwords.MAX_LENGTH:
            password = ""
        account = self.store.get(account_name) if account_name else None
        if account is None or not account.active or not password or account.locked(now):
            passwords.spend_like_a_check(password or "-")
            raise refused()
        if not passwords.verify_password(account.password_hash, password):
            self._failed(account, now)
            raise refused()
        changes: dict[str, object] = {"failures": 0, "locked_until": None}
        if passwords.needs_rehash(account.password_hash):
            changes["password_hash"] = passwords.hash_password(password)
        self.store.update(account.name, **changes)
        token = secrets.token_urlsafe(32)
        self.store.add_session(token, account.name, now, now + self.lifetime)
        self.store.record(account.name, account.name, "sign_in")
        return SignedIn(token, account.user, account.must_change_password, self.lifetime)

    def _failed(self, account: Account, now: float) -> None:
        """Count a wrong password; the ``failures``-th in a row locks the account (recorded for its
        owner and administrators, never told to whoever is signing in)."""
        failures = self.store.count_failure(account.name)
        if failures < self.failures:
            self.store.record(account.name, account.name, "sign_in_failed", f"连续第 {failures} 次")
            return
        self.store.update(account.name, failures=0, locked_until=now + self.lockout)
        minutes = self.lockout // 60
        self.store.record(
            account.name, account.name, "locked", f"连续 {failures} 次密码错误，锁定 {minutes} 分钟"
        )

    def current(self, token: str | None, now: float | None = None) -> Current | None:
        """Who holds the session ``token`` (an expired or revoked one, or a disabled account: nobody)."""
        if not token or len(token) > 256:
            return None
        now = time.time() if now is None else now
        session = self.store.session(token)
        if session is None:
            return None
        if session.expires <= now or now - session.last_seen > self.idle or not session.account.active:
            self.store.drop_session(token)
            return None
        if now - session.last_seen >= TOUCH_SECONDS:
            self.store.touch_session(token, now)
        return Current(session.account.user, session.account.must_change_password)

    def sign_out(self, token: str | None) -> None:
        if token:
            self.store.drop_session(token)

    def change_password(self, name: str, current: object, new: object, keep: str | None) -> int:
        """The person changes their own password (knowing the current one); every other session
        of theirs ends. How many ended."""
        account = self.store.get(name)
        if account is None or not account.active:
            raise ApiError(401, "unauthorized", "请重新登录")
        if not isinstance(current, str) or not passwords.verify_password(account.password_hash, current):
            raise ApiError(400, "wrong_password", "当前密码不对")
        if not isinstance(new, str):
            raise ApiError(400, "weak_password", "请填写新密码")
        if new == current:
            raise ApiError(400, "weak_password", "新密码不能与当前密码相同")
        problem = passwords.weakness(new, name)
        if problem:
            raise ApiError(400, "weak_password", problem)
        self.store.update(
            name,
            password_hash=passwords.hash_password(new),
            password_changed=time.time(),
            must_change_password=False,
        )
        ended = self.store.drop_sessions(name, keep=keep)
        self.store.record(name, name, "password_changed", f"其他 {ended} 个会话已退出")
        return ended

    def machine_user(self, name: object) -> User | None:
        """The account a script names in X-Staff-Name (it holds the staff token): only an
        existing, active one, with its own role."""
        account_name = valid_account_name(name)
        account = self.store.get(account_name) if account_name else None
        return account.user if account is not None and account.active else None

    def purge(self, now: float | None = None) -> int:
        """Delete sessions that have expired (they are refused anyway; this keeps the table small)."""
        now = time.time() if now is None else now
        return self.store.drop_expired_sessions(now - self.idle, now)
