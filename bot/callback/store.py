"""Callback requests in the console's database: the phone number encrypted, masked in every list.

The number is validated before anything is stored (a mainland mobile, or a landline
with its area code: the same rules the chat's redaction uses, bot/privacy/redact.py),
kept only encrypted (bot/sealed.py, key from the setting ``data_secret``) and shown
masked (138****5678); the full number is decrypted only when a staff member asks to
call it, and each of those reveals is logged with who and when. Once a request is
marked done its number is deleted: the masked form and the log remain. A conversation
has at most one open request: asking again updates it.
"""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import migrate
from bot.privacy.redact import PHONE, classify
from bot.sealed import Sealer

PURPOSE = "phone"
PENDING, DONE = "pending", "done"

# The tables as the newest migration leaves them (bot/callback/migrations; tests/test_store_migrations.py).
_metadata = sa.MetaData()
callbacks = sa.Table(
    "callback_requests",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=True),
    sa.Column("scenario_id", sa.String(128), nullable=True),
    sa.Column("scenario_name", sa.String(200), nullable=True),
    sa.Column("phone_sealed", sa.Text, nullable=True),  # NULL once the callback is done
    sa.Column("phone_masked", sa.String(24), nullable=False),
    sa.Column("window_id", sa.String(32), nullable=False),
    sa.Column("window_label", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("done_by", sa.String(64), nullable=True),
    sa.Column("done_at", sa.Float, nullable=True),
)
reveals = sa.Table(
    "callback_phone_reveals",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("callback_id", sa.Integer, nullable=False, index=True),
)


class PhoneError(ValueError):
    """Not a phone number we can call back."""


def normalise_phone(text: object) -> str:
    """``138 0013 8000`` / ``+86 13800138000`` / ``0731-88665266`` → the number to dial; else PhoneError."""
    if not isinstance(text, str) or len(text) > 24:
        raise PhoneError("请填写手机号码或带区号的固定电话")
    raw = text.strip().replace("（", "(").replace("）", ")")
    landline = re.fullmatch(r"\(?(0\d{2,3})\)?[ -]?(\d{7,8})", raw)
    if landline:
        number = f"{landline.group(1)}-{landline.group(2)}"
        if classify(number) == PHONE:
            return number
    compact = re.sub(r"[ -]", "", raw)
    compact = compact[3:] if compact.startswith("+86") else compact
    if classify(compact) == PHONE and compact.isdigit() and len(compact) == 11:
        return compact
    raise PhoneError("请填写 11 位手机号码，或带区号的固定电话（如 0731-88665266）")


def mask_phone(number: str) -> str:
    """138****8000; 0731-****5266."""
    if "-" in number:
        area, local = number.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return f"{number[:3]}****{number[-4:]}"


def _public(row: Any) -> dict[str, Any]:
    """A request as lists show it: never the number, only its masked form."""
    found = dict(row._mapping)
    found.pop("phone_sealed", None)
    return found


class CallbackBook:
    def __init__(self, db_url: str, data_secret: str) -> None:
        # pre-ping: a restarted PostgreSQL (scaled) leaves dead pooled connections the queue must not hit
        self.engine: Engine = sa.create_engine(db_url, future=True, pool_pre_ping=True)
        migrate.upgrade(self.engine, "bot.callback.migrations")
        self._sealer = Sealer(data_secret, PURPOSE)

    def request(
        self,
        conversation_id: str,
        channel: str | None,
        phone: str,
        window: dict[str, str],
        scenario: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Record (or update) the conversation's open request; ``phone`` already normalised."""
        values = {
            "channel": channel,
            "scenario_id": (scenario or {}).get("id"),
            "scenario_name": (scenario or {}).get("name"),
            "phone_sealed": self._sealer.seal({"phone": phone}),
            "phone_masked": mask_phone(phone),
            "window_id": window["id"],
            "window_label": window["label"],
        }
        with self.engine.begin() as conn:
            open_one = conn.execute(
                sa.select(callbacks.c.id).where(
                    callbacks.c.conversation_id == conversation_id, callbacks.c.status == PENDING
                )
            ).scalar()
            if open_one is not None:
                conn.execute(callbacks.update().where(callbacks.c.id == open_one).values(**values))
                callback_id = int(open_one)
            else:
                result = conn.execute(
                    callbacks.insert().values(
                        created_at=time.time(), conversation_id=conversation_id, status=PENDING, **values
                    )
                )
                callback_id = int(result.inserted_primary_key[0])
        return self.get(callback_id) or {}

    def get(self, callback_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(callbacks).where(callbacks.c.id == callback_id)).first()
        return _public(row) if row is not None else None

    def pending(self, limit: int = 100) -> list[dict[str, Any]]:
        query = (
            sa.select(callbacks)
            .where(callbacks.c.status == PENDING)
            .order_by(callbacks.c.created_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_public(r) for r in conn.execute(query)]

    def reveal(self, callback_id: int, staff: str) -> str | None:
        """The full number of an open request, for the staff member about to call it (logged first)."""
        with self.engine.begin() as conn:
            sealed = conn.execute(
                sa.select(callbacks.c.phone_sealed).where(
                    callbacks.c.id == callback_id, callbacks.c.status == PENDING
                )
            ).scalar()
            if sealed is None:
                return None
            conn.execute(reveals.insert().values(at=time.time(), staff=staff, callback_id=callback_id))
        opened = self._sealer.open(sealed)
        return opened.get("phone") if opened else None

    def reveals_of(self, callback_id: int) -> list[dict[str, Any]]:
        query = sa.select(reveals).where(reveals.c.callback_id == callback_id).order_by(reveals.c.id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def done(self, callback_id: int, staff: str) -> dict[str, Any] | None:
        """Close a request; its number is deleted (the masked form stays for the record)."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                callbacks.update()
                .where(callbacks.c.id == callback_id, callbacks.c.status == PENDING)
                .values(status=DONE, done_by=staff, done_at=time.time(), phone_sealed=None)
            ).rowcount
        return self.get(callback_id) if changed else None
