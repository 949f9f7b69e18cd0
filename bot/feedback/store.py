"""Feedback rows in the registry's database: one per conversation, scenario and registry version.

A person may tap 没帮助 and then give a reason, or change their mind: the row for that
answer (conversation, scenario, version) is updated, never duplicated. Columns hold
only the rating, a reason from a fixed list, a catalogue material id, the channel's
name and the pseudonymised conversation reference (bot/feedback/model.py).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import migrate
from bot.feedback.model import UNHELPFUL

# The table as the newest migration leaves it (bot/feedback/migrations; tests/test_store_migrations.py).
metadata = sa.MetaData()
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("conversation_ref", sa.String(32), nullable=False),
    # "" and 0 rather than NULL, so the unique key also holds for feedback without them.
    sa.Column("scenario", sa.String(128), nullable=False, default=""),
    sa.Column("registry_version", sa.Integer, nullable=False, default=0),
    sa.Column("rating", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("material", sa.String(128), nullable=True),
    sa.Column("channel", sa.String(32), nullable=True),
    sa.UniqueConstraint("conversation_ref", "scenario", "registry_version", name="feedback_one_per_answer"),
)
DAY = 86400.0


def _since(days: float | None) -> float:
    return time.time() - days * DAY if days else 0.0


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        migrate.upgrade(engine, "bot.feedback.migrations")

    def put(self, row: dict[str, Any]) -> tuple[int, bool]:
        """Insert or update the row of (conversation_ref, scenario, registry_version); (id, created)."""
        key = (
            (feedback.c.conversation_ref == row["conversation_ref"])
            & (feedback.c.scenario == row["scenario"])
            & (feedback.c.registry_version == row["registry_version"])
        )
        values = {k: row.get(k) for k in ("rating", "reason", "material", "channel")} | {"at": time.time()}
        for _attempt in range(2):  # two taps at once: the second finds the first's row and updates it
            try:
                with self.engine.begin() as conn:
                    found = conn.execute(sa.select(feedback.c.id, feedback.c.rating).where(key)).first()
                    if found is not None:
                        if (
                            found.rating == values["rating"]
                        ):  # a reason added to the same rating keeps the rest
                            values = {k: v for k, v in values.items() if v is not None}
                        conn.execute(feedback.update().where(feedback.c.id == found.id).values(**values))
                        return int(found.id), False
                    keys = {k: row[k] for k in ("conversation_ref", "scenario", "registry_version")}
                    result = conn.execute(feedback.insert().values(**keys, **values))
                    return int(result.inserted_primary_key[0]), True
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("feedback row kept changing under us")

    def rows(
        self, days: float | None = None, limit: int = 200, conversation_ref: str | None = None
    ) -> list[dict[str, Any]]:
        query = sa.select(feedback).where(feedback.c.at >= _since(days)).order_by(feedback.c.id.desc())
        if conversation_ref is not None:
            query = query.where(feedback.c.conversation_ref == conversation_ref)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.limit(limit))]

    def summary(self, days: float | None = None) -> dict[str, Any]:
        """Counts by scenario and rating, 没帮助 by scenario and material, and by reason."""
        query = sa.select(feedback.c.scenario, feedback.c.rating, feedback.c.reason, feedback.c.material)
        by_scenario: dict[str, Counter[str]] = {}
        by_material: Counter[tuple[str, str]] = Counter()
        by_reason: Counter[str] = Counter()
        with self.engine.connect() as conn:
            for scenario, rating, reason, material in conn.execute(
                query.where(feedback.c.at >= _since(days))
            ):
                by_scenario.setdefault(scenario, Counter())[rating] += 1
                if rating == UNHELPFUL:
                    by_reason[reason or "none"] += 1
                    if material:
                        by_material[(scenario, material)] += 1
        return {
            "by_scenario": [
                {"scenario": s, "helpful": c["helpful"], "unhelpful": c["unhelpful"]}
                for s, c in sorted(by_scenario.items(), key=lambda kv: (-kv[1]["unhelpful"], kv[0]))
            ],
            "unhelpful_by_material": [
                {"scenario": s, "material": m, "count": n} for (s, m), n in by_material.most_common()
            ],
            "unhelpful_by_reason": [{"reason": r, "count": n} for r, n in by_reason.most_common()],
        }
