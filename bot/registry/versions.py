"""Registry versions: each change of the YAML a store loads becomes a numbered, dated version.

A version is recorded by :meth:`bot.registry.store.Store.sync`, in the transaction that
loads the changed files (under PostgreSQL's advisory lock), so every replica loading
the same files agrees on one version per content digest, and the tables a checklist
reads always belong to the newest version. The version keeps, for every scenario
(with its requirements) and every catalogue material, the hash of the document it
had; each document's JSON is stored once however many versions share it, so keeping
every version costs only what changed. That is what lets an old notice link be
recomputed exactly as it was and compared with today's answer.

Matters are versioned exactly like scenarios (kind ``scenario`` in the version's
documents: guide ids never collide, and the document itself says ``"kind": "matter"``),
so an old notice of a matter recomputes too. The catalogue of matters without a
material list is not versioned document by document: its file is in the digest, so a
change to it still makes a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.registry.files import Registry
from bot.registry.model import Material, Scenario
from bot.registry.version_diff import MATERIAL, SCENARIO, Snapshot, diff_snapshots

metadata = sa.MetaData()
versions = sa.Table(
    "registry_versions",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("scenarios", sa.Integer, nullable=False),
    sa.Column("materials", sa.Integer, nullable=False),
    sa.Column("matters", sa.Integer, nullable=False, server_default="0"),
)
version_docs = sa.Table(
    "registry_version_docs",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("hash", sa.String(64), nullable=False),
)
docs = sa.Table(
    "registry_docs",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("doc", sa.Text, nullable=False),
)


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for anything else), looked up once per type."""
    if kind not in _FIELD_NAMES:
        _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
    return _FIELD_NAMES[kind]


def plain(record: Any) -> Any:
    """What :func:`bot.registry.model.to_dict` gives (empty fields dropped), without
    ``dataclasses.asdict``'s deep copies: several times faster, which was most of a registry
    load at thousands of entries (tests/test_migrations.py checks the two agree)."""
    if isinstance(record, (str, int, float, bool)) or record is None:
        return record
    if isinstance(record, (list, tuple)):
        return [plain(v) for v in record]
    items: Iterable[tuple[str, Any]]
    if isinstance(record, dict):
        items = record.items()
    else:
        names = _field_names(type(record))
        if names is None:
            return record
        items = ((name, getattr(record, name)) for name in names)
    return {
        k: plain(v) for k, v in items if not (v is None or (not v and isinstance(v, (tuple, list, dict))))
    }


def plain_documents(registry: Registry) -> dict[tuple[str, str], dict[str, Any]]:
    """Every guide (with its requirements) and catalogue material as plain JSON, keyed by
    (kind, id): made once per load and shared by the store's tables and the version's documents
    (turning records into JSON was most of a load's time)."""
    found = {(SCENARIO, s.id): plain(s) for s in registry.guides().values()}
    found |= {(MATERIAL, m.id): plain(m) for m in registry.materials.values()}
    return found


def _canonical(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _documents(plain: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {key: _canonical(doc) for key, doc in plain.items()}


def _row(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "date": row.created_at[:10],
        "created_at": row.created_at,
        "digest": row.digest,
        "summary": row.summary,
        "note": row.note,
        "scenarios": row.scenarios,
        "materials": row.materials,
        "matters": row.matters,
    }


# Built once: every checklist cites the current version, and building the statement anew each
# time cost as much as the query (docs/benchmarks.md).
_LATEST = sa.select(versions).order_by(versions.c.number.desc()).limit(1)


def _latest(conn: Connection) -> Any:
    return conn.execute(_LATEST).first()


def _snapshot(conn: Connection, number: int, only: dict[str, set[str]] | None = None) -> Snapshot:
    query = (
        sa.select(version_docs.c.kind, version_docs.c.id, docs.c.doc)
        .join(docs, docs.c.hash == version_docs.c.hash)
        .where(version_docs.c.version == number)
    )
    snapshot: Snapshot = {SCENARIO: {}, MATERIAL: {}}
    for kind, ids in (only or {}).items():
        rows = conn.execute(query.where(version_docs.c.kind == kind, version_docs.c.id.in_(sorted(ids))))
        for row in rows:
            snapshot[row.kind][row.id] = json.loads(row.doc)
    if only is None:
        for row in conn.execute(query):
            snapshot[row.kind][row.id] = json.loads(row.doc)
    return snapshot


def record_version(
    conn: Connection,
    registry: Registry,
    note: str | None = None,
    plain: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> int:
    """The number of the version the registry's files are; a new one if they changed since the last
    (``plain``: the registry's :func:`plain_documents`, when the caller made them already)."""
    latest = _latest(conn)
    if latest is not None and latest.digest == registry.digest:
        return int(latest.number)
    documents = _documents(plain if plain is not None else plain_documents(registry))
    hashes = {key: hashlib.sha256(doc.encode()).hexdigest() for key, doc in documents.items()}
    known = set()
    wanted = sorted(set(hashes.values()))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known |= set(conn.execute(sa.select(docs.c.hash).where(docs.c.hash.in_(chunk))).scalars())
    fresh = {h: documents[key] for key, h in hashes.items() if h not in known}
    if fresh:
        conn.execute(docs.insert(), [{"hash": h, "doc": d} for h, d in fresh.items()])
    if latest is None:
        summary = f"首个版本：{len(registry.scenarios)} 个事项，{len(registry.materials)} 项标准材料"
        if registry.matters:
            summary = (
                f"首个版本：{len(registry.scenarios)} 个一件事场景、{len(registry.matters)} 个办事事项"
                f"（另有 {sum(1 for e in registry.catalogue.values() if e.matter is None)} 个仅有目录的事项），"
                f"{len(registry.materials)} 项标准材料"
            )
    else:
        now: Snapshot = {kind: {} for kind in (SCENARIO, MATERIAL)}
        for (kind, rid), doc in documents.items():
            now[kind][rid] = json.loads(doc)
        summary = diff_snapshots(_snapshot(conn, int(latest.number)), now)["summary"]
    number = 1 if latest is None else int(latest.number) + 1
    conn.execute(
        versions.insert().values(
            number=number,
            digest=registry.digest,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            summary=summary,
            note=note,
            scenarios=len(registry.scenarios),
            materials=len(registry.materials),
            matters=len(registry.matters),
        )
    )
    conn.execute(
        version_docs.insert(),
        [{"version": number, "kind": kind, "id": rid, "hash": h} for (kind, rid), h in hashes.items()],
    )
    return number


class Versions:
    """Reading the versions a store recorded: the list, one snapshot, a diff, a scenario as it was."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self, conn: Connection | None = None) -> dict[str, Any] | None:
        """The newest version; on ``conn`` when given (a checklist reads all it needs on one)."""
        if conn is not None:
            row = _latest(conn)
        else:
            with self.engine.connect() as conn:
                row = _latest(conn)
        return _row(row) if row is not None else None

    def get(self, number: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(versions).where(versions.c.number == number)).first()
        return _row(row) if row is not None else None

    def all(self, limit: int = 200) -> list[dict[str, Any]]:
        query = sa.select(versions).order_by(versions.c.number.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def diff(self, a: int, b: int, scenario: str | None = None) -> dict[str, Any]:
        """Changes from version ``a`` to ``b`` (either order), optionally for one scenario only."""
        with self.engine.connect() as conn:
            if scenario is None:
                old, new = _snapshot(conn, a), _snapshot(conn, b)
            else:
                only = {SCENARIO: {scenario}}
                old, new = _snapshot(conn, a, only), _snapshot(conn, b, only)
                used = {
                    str(r.get("material"))
                    for snap in (old, new)
                    for r in (snap[SCENARIO].get(scenario) or {}).get("requirements") or []
                }
                old[MATERIAL] = _snapshot(conn, a, {MATERIAL: used})[MATERIAL]
                new[MATERIAL] = _snapshot(conn, b, {MATERIAL: used})[MATERIAL]
        return diff_snapshots(old, new, scenario)

    def guides_at(self, number: int) -> list[Scenario]:
        """Every guide (scenario or matter) as version ``number`` had it, by id: the reform
        dashboard's trend recomputes each version's share from them (bot/dashboard/figures.py)."""
        query = (
            sa.select(docs.c.doc)
            .join(version_docs, docs.c.hash == version_docs.c.hash)
            .where(version_docs.c.version == number, version_docs.c.kind == SCENARIO)
            .order_by(version_docs.c.id)
        )
        with self.engine.connect() as conn:
            return [Scenario.from_dict(json.loads(doc)) for doc in conn.execute(query).scalars()]

    def scenario_at(self, number: int, scenario_id: str) -> tuple[Scenario, dict[str, Material]] | None:
        """A guide (scenario or matter) and the catalogue materials it uses, as in version ``number``."""
        with self.engine.connect() as conn:
            found = _snapshot(conn, number, {SCENARIO: {scenario_id}})[SCENARIO].get(scenario_id)
            if found is None:
                return None
            scenario = Scenario.from_dict(found)
            wanted = {r.material for r in scenario.requirements}
            materials = _snapshot(conn, number, {MATERIAL: wanted})[MATERIAL]
        return scenario, {mid: Material.from_dict(doc) for mid, doc in materials.items()}
