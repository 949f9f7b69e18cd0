"""The drafts of registry changes and the log of what each person did to them (the console's database).

A draft holds the change as JSON, the source it cites, who wrote it, its plain-words lines as
they read when it was made, and its review: ``draft`` → ``approved`` (claimed by one reviewer,
then written) → ``published``, or ``rejected`` with the reviewer's comment for the author.
Status moves are conditional updates, so two reviewers approving at once publish it once. A
draft left ``approved`` (the web server stopped between approval and its last write) is
finished when the server starts again (bot/admin/editor.py ``Editor.finish_interrupted``).
The change log names the account for every draft, approval, rejection and publish: the
registry changes' part of the audit trail (bot/web/audit.py holds the look-ups of files).
"""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa

from bot import migrate

DRAFT, APPROVED, REJECTED, PUBLISHED = "draft", "approved", "rejected", "published"
STATUSES = (DRAFT, APPROVED, REJECTED, PUBLISHED)
STATUS_LABELS = {DRAFT: "待审核", APPROVED: "发布中", REJECTED: "已退回", PUBLISHED: "已发布"}
ACTION_LABELS = {
    "draft": "提交草稿",
    "approve": "批准",
    "reject": "退回",
    "publish": "发布",
    "failed": "发布失败",
}

# The tables as the newest migration leaves them (bot/admin/migrations).
_metadata = sa.MetaData()
drafts = sa.Table(
    "registry_drafts",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("author", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target_id", sa.String(128), nullable=False),
    sa.Column("target_name", sa.Text, nullable=False),
    sa.Column("change", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("lines", sa.Text, nullable=False),
    sa.Column("reviewer", sa.String(64), nullable=True),
    sa.Column("reviewed_at", sa.Float, nullable=True),
    sa.Column("review_comment", sa.Text, nullable=True),
    sa.Column("published_at", sa.Float, nullable=True),
)
change_log = sa.Table(
    "registry_change_log",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("account", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("draft_id", sa.Integer, nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)


def _draft(row: Any) -> dict[str, Any]:
    found = dict(row._mapping)
    found["change"] = json.loads(found["change"])
    found["lines"] = json.loads(found["lines"])
    found["status_label"] = STATUS_LABELS[found["status"]]
    return found


class Drafts:
    def __init__(self, db_url: str) -> None:
        self.engine = sa.create_engine(db_url, future=True, pool_pre_ping=True)
        migrate.upgrade(self.engine, "bot.admin.migrations")

    def create(
        self,
        author: str,
        change: dict[str, Any],
        target: tuple[str, str],
        target_name: str,
        source: str,
        lines: list[str],
    ) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                drafts.insert().values(
                    created_at=time.time(),
                    author=author,
                    status=DRAFT,
                    target_kind=target[0],
                    target_id=target[1],
                    target_name=target_name,
                    change=json.dumps(change, ensure_ascii=False),
                    source=source,
                    lines=json.dumps(lines, ensure_ascii=False),
                )
            )
            draft_id = int(result.inserted_primary_key[0])
            self._log(conn, author, "draft", draft_id, source)
        return draft_id

    def get(self, draft_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(drafts).where(drafts.c.id == draft_id)).first()
        return _draft(row) if row is not None else None

    def find(
        self, status: str | None = None, author: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Newest first, optionally of one status and one author."""
        query = sa.select(drafts).order_by(drafts.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(drafts.c.status == status)
        if author is not None:
            query = query.where(drafts.c.author == author)
        with self.engine.connect() as conn:
            return [_draft(row) for row in conn.execute(query)]

    def _move(self, draft_id: int, reviewer: str, to: str, comment: str | None = None) -> bool:
        """Move a pending draft someone else wrote to ``to``; False if it was not pending (or theirs)."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                drafts.update()
                .where(drafts.c.id == draft_id, drafts.c.status == DRAFT, drafts.c.author != reviewer)
                .values(status=to, reviewer=reviewer, reviewed_at=time.time(), review_comment=comment)
            ).rowcount
            if moved:
                self._log(conn, reviewer, "approve" if to == APPROVED else "reject", draft_id, comment or "")
        return bool(moved)

    def claim(self, draft_id: int, reviewer: str) -> bool:
        """Approve: the draft is this reviewer's to publish (no one else's approval can start)."""
        return self._move(draft_id, reviewer, APPROVED)

    def reject(self, draft_id: int, reviewer: str, comment: str) -> bool:
        return self._move(draft_id, reviewer, REJECTED, comment)

    def release(self, draft_id: int, reviewer: str, reason: str) -> None:
        """The approved draft could not be published: pending again, with the reason logged."""
        with self.engine.begin() as conn:
            conn.execute(
                drafts.update()
                .where(drafts.c.id == draft_id, drafts.c.status == APPROVED)
                .values(status=DRAFT, reviewer=None, reviewed_at=None)
            )
            self._log(conn, reviewer, "failed", draft_id, reason)

    def published(self, draft_id: int, account: str, lines: list[str], note: str = "") -> bool:
        """The approved draft's files are written: published. False when it was not approved any
        more (a retry of the same publish finished it first): then nothing is logged twice."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                drafts.update()
                .where(drafts.c.id == draft_id, drafts.c.status == APPROVED)
                .values(
                    status=PUBLISHED, published_at=time.time(), lines=json.dumps(lines, ensure_ascii=False)
                )
            ).rowcount
            if moved:
                self._log(conn, account, "publish", draft_id, note + "；".join(lines))
        return bool(moved)

    def _log(self, conn: sa.engine.Connection, account: str, action: str, draft_id: int, detail: str) -> None:
        conn.execute(
            change_log.insert().values(
                at=time.time(), account=account, action=action, draft_id=draft_id, detail=detail
            )
        )

    def log(self, draft_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """What people did to drafts, newest first (of one draft, or all)."""
        query = sa.select(change_log).order_by(change_log.c.id.desc()).limit(limit)
        if draft_id is not None:
            query = query.where(change_log.c.draft_id == draft_id)
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        return [
            r
            | {
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(r["at"])),
                "action_label": ACTION_LABELS.get(r["action"], r["action"]),
            }
            for r in rows
        ]
