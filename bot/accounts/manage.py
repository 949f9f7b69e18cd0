"""Managing accounts: what an administrator does (web page /admin/users) and the first
administrator from the command line (``python -m bot users``).

Accounts are never deleted, only disabled: every audit entry names an account, and the name
must keep meaning the same person. Every change is recorded with who made it
(``staff_account_events``). An administrator never types someone else's password: creating an
account or resetting its password gives a one-time password to hand over, which its owner must
replace at their first sign-in. An administrator cannot demote or disable themself, so a
system never loses its last administrator by a slip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.accounts import passwords
from bot.accounts.roles import ADMIN, ROLE_LABELS, ROLES
from bot.accounts.store import Account, AccountStore, valid_account_name
from bot.jsonapi import ApiError

NAME_RULE = "账号名 1–32 个字符，只含文字、数字、空格和 .-_·"
DEVELOPMENT_ADMIN = "admin"
# The development administrator's password: as public as the other development secrets
# (dev-staff-token…), and refused the same way in production (bot/accounts/startup.py).
DEVELOPMENT_PASSWORD = "dev-admin-password"


@dataclass(frozen=True)
class Created:
    account: Account
    password: str  # the one-time password to hand over ("" when the creator chose it)


def _name(value: object) -> str:
    name = valid_account_name(value)
    if name is None:
        raise ApiError(400, "invalid_name", NAME_RULE)
    return name


def _role(value: object) -> str:
    if value not in ROLES:
        raise ApiError(
            400, "invalid_role", "角色只能是：" + "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in ROLES)
        )
    return str(value)


def _display(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > 32 or any(ord(c) < 32 for c in value):
        raise ApiError(400, "invalid_display", "显示名最多 32 个字符")
    return value.strip()


class Management:
    def __init__(self, store: AccountStore) -> None:
        self.store = store

    def account(self, name: object) -> Account:
        found = self.store.get(_name(name))
        if found is None:
            raise ApiError(404, "no_such_account", f"没有账号 {name}")
        return found

    def create(
        self,
        actor: str,
        name: object,
        role: object,
        display: object = "",
        password: str | None = None,
        development: bool = False,
    ) -> Created:
        """A new active account. Without ``password``, a one-time password its owner must change."""
        account_name, account_role, shown = _name(name), _role(role), _display(display)
        one_time = password is None
        chosen = passwords.one_time_password() if password is None else password
        if not one_time:
            problem = passwords.weakness(chosen, account_name)
            if problem and not development:
                raise ApiError(400, "weak_password", problem)
        now = time.time()
        account = Account(
            name=account_name,
            display=shown,
            role=account_role,
            password_hash=passwords.hash_password(chosen),
            active=True,
            must_change_password=one_time,
            development=development,
            failures=0,
            locked_until=None,
            created=now,
            created_by=actor,
            password_changed=now,
        )
        if not self.store.insert(account):
            raise ApiError(409, "account_exists", f"账号 {account_name} 已经存在")
        self.store.record(actor, account_name, "created", f"角色 {ROLE_LABELS[account_role]}")
        return Created(account, chosen if one_time else "")

    def set_role(self, actor: str, name: object, role: object) -> Account:
        account, new_role = self.account(name), _role(role)
        if account.name == actor and new_role != ADMIN:
            raise ApiError(409, "own_account", "不能取消自己的管理员角色：请另一位管理员操作")
        if new_role != account.role:
            self.store.update(account.name, role=new_role)
            detail = f"{ROLE_LABELS.get(account.role, account.role)} → {ROLE_LABELS[new_role]}"
            self.store.record(actor, account.name, "role_changed", detail)
        return self.account(account.name)

    def set_active(self, actor: str, name: object, active: bool) -> Account:
        """Disable (its sessions end at once) or enable again an account."""
        account = self.account(name)
        if account.name == actor and not active:
            raise ApiError(409, "own_account", "不能停用自己的账号：请另一位管理员操作")
        if account.active != active:
            self.store.update(account.name, active=active, failures=0, locked_until=None)
            if not active:
                self.store.drop_sessions(account.name)
            self.store.record(actor, account.name, "enabled" if active else "disabled")
        return self.account(account.name)

    def set_password(self, actor: str, name: object, password: str | None = None) -> str:
        """A new password for someone (their sessions end, a lockout lifts). Without ``password``,
        a one-time one they must change, returned to hand over."""
        account = self.account(name)
        one_time = password is None
        chosen = passwords.one_time_password() if password is None else password
        problem = None if one_time else passwords.weakness(chosen, account.name)
        if problem:
            raise ApiError(400, "weak_password", problem)
        self.store.update(
            account.name,
            password_hash=passwords.hash_password(chosen),
            password_changed=time.time(),
            must_change_password=one_time and account.name != actor,
            failures=0,
            locked_until=None,
        )
        ended = self.store.drop_sessions(account.name)
        self.store.record(actor, account.name, "password_reset", f"{ended} 个会话已退出")
        return chosen if one_time else ""

    def sign_out_everywhere(self, actor: str, name: object) -> int:
        """End every session of the account (the person themself, or an administrator for them)."""
        account = self.account(name)
        ended = self.store.drop_sessions(account.name)
        self.store.record(actor, account.name, "signed_out_everywhere", f"{ended} 个会话")
        return ended

    def ensure_development_admin(self) -> bool:
        """With no account at all, the development administrator (``make run`` with nothing to
        configure). Only ever called outside production. Whether one was made."""
        if self.store.count():
            return False
        try:
            self.create(
                "system", DEVELOPMENT_ADMIN, ADMIN, "开发环境管理员", DEVELOPMENT_PASSWORD, development=True
            )
        except ApiError:  # another web server process made it a moment ago
            return False
        return True
