"""Where staff accounts live: the accounts, their sessions, and what was done to them.

Kept in the console's database (setting ``console_db_url``; SQLite in the var dir by default)
beside its audit log, with its own Alembic history (bot/accounts/migrations). This module only
reads and writes rows; what the rows mean (lockout, expiry, who may change what) is in
bot/accounts/sessions.py and bot/accounts/manage.py.

A session is stored as the SHA-256 of the value in the person's cookie: someone who reads this
table (a backup, a replica) cannot sign in with what they find, yet revoking is deleting rows,
which is what "sign out everywhere" needs and a signed, self-contained cookie cannot give.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot import migrate
from bot.accounts.roles import User

MIGRATIONS = "bot.accounts.migrations"
# Letters (any script, so 张三 too), digits, space, dot, middle dot, hyphen, underscore.
_NAME = re.compile(r"^[\w .·-]{1,32}$")

# The tables as the newest migration leaves them (bot/accounts/migrations; tests/accounts/test_store.py).
metadata = sa.MetaData()
accounts = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("display", sa.String(64), nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("development", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("password_changed", sa.Float, nullable=False),
)
sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(64), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("expires", sa.Float, nullable=False),
)
events = sa.Table(
    "staff_account_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("account", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
)


def valid_account_name(name: object) -> str | None:
    """``name`` as an account name (trimmed), or None if it cannot be one."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name if name and _NAME.match(name) else None


def session_id(token: str) -> str:
    """The stored form of a session cookie's value."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """One row of ``staff_accounts``."""

    name: str
    display: str
    role: str
    password_hash: str
    active: bool
    must_change_password: bool
    development: bool
    failures: int
    locked_until: float | None
    created: float
    created_by: str
    password_changed: float

    @property
    def user(self) -> User:
        return User(self.name, self.role, self.display or self.name)

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class Session:
    """One row of ``staff_sessions`` with its account."""

    id: str
    account: Account
    created: float
    last_seen: float
    expires: float


def _account(row: Any) -> Account:
    values = dict(row._mapping)
    return Account(**{name: values[name] for name in Account.__dataclass_fields__})


class AccountStore:
    def __init__(self, db_url: str) -> None:
        self.engine = sa.create_engine(db_url, future=True, pool_pre_ping=True)
        migrate.upgrade(self.engine, MIGRATIONS)

    # -- accounts ---------------------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar() or 0)

    def get(self, name: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.name == name)).first()
        return _account(row) if row is not None else None

    def all(self) -> list[Account]:
        with self.engine.connect() as conn:
            return [_account(row) for row in conn.execute(sa.select(accounts).order_by(accounts.c.name))]

    def insert(self, account: Account) -> bool:
        """Add ``account``; False if an account of that name exists already."""
        try:
            with self.engine.begin() as conn:
                conn.execute(accounts.insert().values(**account.__dict__))
        except sa.exc.IntegrityError:
            return False
        return True

    def update(self, name: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(accounts.update().where(accounts.c.name == name).values(**values)).rowcount > 0
            )

    def count_failure(self, name: str) -> int:
        """One more wrong password in a row for ``name``; how many there are now."""
        with self.engine.begin() as conn:
            conn.execute(
                accounts.update().where(accounts.c.name == name).values(failures=accounts.c.failures + 1)
            )
            found = conn.execute(sa.select(accounts.c.failures).where(accounts.c.name == name)).scalar()
        return int(found or 0)

    # -- sessions ---------------------------------------------------------------------------------

    def add_session(self, token: str, account: str, now: float, expires: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sessions.insert().values(
                    id=session_id(token), account=account, created=now, last_seen=now, expires=expires
                )
            )

    def session(self, token: str) -> Session | None:
        query = sa.select(sessions, accounts).join(accounts, accounts.c.name == sessions.c.account)
        with self.engine.connect() as conn:
            row = conn.execute(query.where(sessions.c.id == session_id(token))).first()
        if row is None:
            return None
        values = row._mapping
        return Session(
            values[sessions.c.id],
            _account(row),
            values[sessions.c.created],
            values[sessions.c.last_seen],
            values[sessions.c.expires],
        )

    def touch_session(self, token: str, now: float) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.update().where(sessions.c.id == session_id(token)).values(last_seen=now))

    def drop_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id == session_id(token)))

    def drop_sessions(self, account: str, keep: str | None = None) -> int:
        """End every session of ``account`` (but the one whose cookie is ``keep``); how many ended."""
        query = sessions.delete().where(sessions.c.account == account)
        if keep is not None:
            query = query.where(sessions.c.id != session_id(keep))
        with self.engine.begin() as conn:
            return int(conn.execute(query).rowcount)

    def drop_expired_sessions(self, idle_before: float, now: float) -> int:
        query = sessions.delete().where(sa.or_(sessions.c.expires <= now, sessions.c.last_seen < idle_before))
        with self.engine.begin() as conn:
            return int(conn.execute(query).rowcount)

    def session_counts(self) -> dict[str, int]:
        """Open sessions per account."""
        query = sa.select(sessions.c.account, sa.func.count()).group_by(sessions.c.account)
        with self.engine.connect() as conn:
            return {account: int(n) for account, n in conn.execute(query)}

    # -- what was done ----------------------------------------------------------------------------

    def record(self, actor: str, account: str, action: str, detail: str = "") -> None:
        """``actor`` did ``action`` to ``account`` (actor == account: the person themself)."""
        row = {
            "at": time.time(),
            "actor": actor,
            "account": account,
            "action": action,
            "detail": detail[:200],
        }
        with self.engine.begin() as conn:
            conn.execute(events.insert().values(**row))

    def events(self, account: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The latest first, optionally of one account."""
        query = sa.select(events).order_by(events.c.id.desc()).limit(limit)
        if account is not None:
            query = query.where(events.c.account == account)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
