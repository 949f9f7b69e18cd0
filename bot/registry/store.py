"""The registry's database: SQLite by default, PostgreSQL through the same URL setting.

The YAML under ``data/registry`` is the truth; the store is a queryable copy
(reloaded when the files' digest changes) plus the one thing only the store
holds: citizens' files. Queries go by primary key or index so a checklist stays
a few milliseconds however large the registry grows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.registry.files import Registry
from bot.registry.model import FileEntry, Material, Scenario, to_dict
from bot.registry.versions import metadata as versions_metadata
from bot.registry.versions import record_version
from bot.sqlite import sqlite_engine

metadata = sa.MetaData()

meta = sa.Table(
    "registry_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
)
scenario_names = sa.Table(
    "scenario_names",
    metadata,
    sa.Column("scenario_id", sa.String(128), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
)
materials = sa.Table(
    "materials",
    metadata,
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("doc", sa.Text, nullable=False),
)
material_names = sa.Table(
    "material_names",
    metadata,
    sa.Column("material_id", sa.String(128), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
)
requirements = sa.Table(
    "requirements",
    metadata,
    sa.Column("scenario_id", sa.String(128), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("material_id", sa.String(128), nullable=False, index=True),
    sa.Column("doc", sa.Text, nullable=False),
)
citizen_materials = sa.Table(
    "citizen_materials",
    metadata,
    sa.Column("citizen_id", sa.String(128), primary_key=True),
    sa.Column("material_id", sa.String(128), primary_key=True),
    sa.Column("submitted_at", sa.String(32), nullable=False),
    sa.Column("valid_until", sa.String(32), nullable=True),
    sa.Column("channel", sa.String(64), nullable=True),
    sa.Column("demo", sa.Boolean, nullable=False, default=False),
)
REGISTRY_TABLES = (requirements, material_names, materials, scenario_names, scenarios)

# The queries of every checklist, built once with bound parameters: building a statement
# took longer than running it on its index (docs/benchmarks.md).
_SCENARIO_DOC = sa.select(scenarios.c.doc).where(scenarios.c.id == sa.bindparam("id"))
_REQUIREMENT_DOCS = (
    sa.select(requirements.c.doc)
    .where(requirements.c.scenario_id == sa.bindparam("id"))
    .order_by(requirements.c.position)
)
_MATERIAL_DOCS = sa.select(materials.c.doc).where(materials.c.id.in_(sa.bindparam("ids", expanding=True)))
_FILE = (
    sa.select(citizen_materials)
    .where(citizen_materials.c.citizen_id == sa.bindparam("citizen"))
    .order_by(citizen_materials.c.material_id)
)
_FILE_OF = _FILE.where(citizen_materials.c.material_id.in_(sa.bindparam("materials", expanding=True)))


def _dumps(record: Any) -> str:
    return json.dumps(to_dict(record), ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str) -> Engine:
    """One pooled engine per process; SQLite gets WAL so readers never wait for a writer."""
    if url.startswith("sqlite:///"):
        return sqlite_engine(url, future=True, pool_size=8)
    return sa.create_engine(url, future=True, pool_size=8, max_overflow=8, pool_pre_ping=True)


class Store:
    """Registry queries and citizen-file reads and writes over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        store = cls(make_engine(url))
        metadata.create_all(store.engine)
        versions_metadata.create_all(store.engine)  # bot/registry/versions.py
        return store

    # -- loading the registry -------------------------------------------------

    def digest(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(meta.c.value).where(meta.c.key == "digest")).scalar()

    def sync(self, registry: Registry, with_demo: bool = True, note: str | None = None) -> bool:
        """Replace the registry tables when the files changed; citizens' files stay as they are.

        Files not seen before are recorded as a new registry version (bot/registry/versions.py)."""
        changed = False
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(5100)"))
            current = conn.execute(sa.select(meta.c.value).where(meta.c.key == "digest")).scalar()
            if current != registry.digest:
                self._replace(conn, registry)
                changed = True
            if with_demo and registry.demo_citizens:
                self._ensure_demo(conn, registry.demo_citizens)
            record_version(conn, registry, note)
        return changed

    def _replace(self, conn: Connection, registry: Registry) -> None:
        for table in REGISTRY_TABLES:
            conn.execute(table.delete())
        conn.execute(meta.delete().where(meta.c.key == "digest"))
        conn.execute(
            materials.insert(),
            [{"id": m.id, "name": m.name, "doc": _dumps(m)} for m in registry.materials.values()],
        )
        conn.execute(
            material_names.insert(),
            [
                {"material_id": m.id, "name": n}
                for m in registry.materials.values()
                for n in dict.fromkeys((m.name, *m.aliases))
            ],
        )
        conn.execute(
            scenarios.insert(),
            [
                {"id": s.id, "name": s.name, "doc": _dumps(_without_requirements(s))}
                for s in registry.scenarios.values()
            ],
        )
        conn.execute(
            scenario_names.insert(),
            [
                {"scenario_id": s.id, "name": n}
                for s in registry.scenarios.values()
                for n in dict.fromkeys((s.name, *s.aliases))
            ],
        )
        reqs = [
            {"scenario_id": s.id, "position": i, "material_id": r.material, "doc": _dumps(r)}
            for s in registry.scenarios.values()
            for i, r in enumerate(s.requirements)
        ]
        if reqs:
            conn.execute(requirements.insert(), reqs)
        conn.execute(meta.insert(), [{"key": "digest", "value": registry.digest}])

    def _ensure_demo(self, conn: Connection, entries: Iterable[FileEntry]) -> None:
        entries = list(entries)
        citizens = {e.citizen_id for e in entries}
        present = set(
            conn.execute(
                sa.select(citizen_materials.c.citizen_id)
                .distinct()
                .where(citizen_materials.c.citizen_id.in_(citizens))
            ).scalars()
        )
        rows = [asdict(e) | {"material_id": e.material} for e in entries if e.citizen_id not in present]
        for row in rows:
            del row["material"]
        if rows:
            conn.execute(citizen_materials.insert(), rows)

    # -- registry queries -----------------------------------------------------

    def scenario(self, scenario_id: str) -> Scenario | None:
        with self.engine.connect() as conn:
            doc = conn.execute(_SCENARIO_DOC, {"id": scenario_id}).scalar()
            if doc is None:
                return None
            reqs = conn.execute(_REQUIREMENT_DOCS, {"id": scenario_id}).scalars().all()
        data = json.loads(doc)
        data["requirements"] = [json.loads(r) for r in reqs]
        return Scenario.from_dict(data)

    def materials(self, ids: Iterable[str]) -> dict[str, Material]:
        ids = list(set(ids))
        if not ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(_MATERIAL_DOCS, {"ids": ids}).scalars()
            found = [Material.from_dict(json.loads(doc)) for doc in rows]
        return {m.id: m for m in found}

    def _search(self, table: sa.Table, names: sa.Table, q: str | None, limit: int) -> list[Any]:
        """Rows of ``table`` whose name or an alias contains ``q`` (all rows without ``q``), by id."""
        query = sa.select(table.c.id, table.c.name, table.c.doc).order_by(table.c.id)
        if q:
            owner = next(c for c in names.c if c.name.endswith("_id"))
            like = names.c.name.like(f"%{_escape_like(q)}%", escape="\\")
            query = query.where(table.c.id.in_(sa.select(owner).where(like)))
        with self.engine.connect() as conn:
            return conn.execute(query.limit(limit)).all()

    def search_scenarios(self, q: str | None, limit: int = 50) -> list[dict[str, Any]]:
        found = []
        for row in self._search(scenarios, scenario_names, q, limit):
            doc = json.loads(row.doc)
            found.append(
                {
                    "id": row.id,
                    "name": row.name,
                    "aliases": doc.get("aliases", []),
                    "region": doc.get("region"),
                    "materials_incomplete": doc.get("materials_incomplete"),
                }
            )
        return found

    def search_materials(self, q: str | None, limit: int = 50) -> list[dict[str, Any]]:
        return [json.loads(row.doc) for row in self._search(materials, material_names, q, limit)]

    def scenarios_using(self, material_id: str) -> list[dict[str, Any]]:
        query = (
            sa.select(scenarios.c.id, scenarios.c.name)
            .distinct()
            .join(requirements, requirements.c.scenario_id == scenarios.c.id)
            .where(requirements.c.material_id == material_id)
            .order_by(scenarios.c.id)
        )
        with self.engine.connect() as conn:
            return [{"id": r.id, "name": r.name} for r in conn.execute(query)]

    def all_scenarios(self) -> Iterator[Scenario]:
        with self.engine.connect() as conn:
            reqs: dict[str, list[dict[str, Any]]] = {}
            for row in conn.execute(
                sa.select(requirements.c.scenario_id, requirements.c.doc).order_by(
                    requirements.c.scenario_id, requirements.c.position
                )
            ):
                reqs.setdefault(row.scenario_id, []).append(json.loads(row.doc))
            for row in conn.execute(sa.select(scenarios.c.id, scenarios.c.doc).order_by(scenarios.c.id)):
                data = json.loads(row.doc)
                data["requirements"] = reqs.get(row.id, [])
                yield Scenario.from_dict(data)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (scenarios, materials, requirements)
            }

    # -- citizens' files ------------------------------------------------------

    def file(self, citizen_id: str, material_ids: Iterable[str] | None = None) -> list[FileEntry]:
        query, params = _FILE, {"citizen": citizen_id}
        if material_ids is not None:
            query, params = _FILE_OF, {**params, "materials": list(material_ids)}
        with self.engine.connect() as conn:
            rows = conn.execute(query, params).all()
        return [
            FileEntry(
                citizen_id=r.citizen_id,
                material=r.material_id,
                submitted_at=r.submitted_at,
                valid_until=r.valid_until,
                channel=r.channel,
                demo=bool(r.demo),
            )
            for r in rows
        ]

    def put_file_entry(self, entry: FileEntry) -> None:
        """Record a submission; a newer submission of the same material replaces the older."""
        row = {
            "submitted_at": entry.submitted_at,
            "valid_until": entry.valid_until,
            "channel": entry.channel,
            "demo": entry.demo,
        }
        key = (citizen_materials.c.citizen_id == entry.citizen_id) & (
            citizen_materials.c.material_id == entry.material
        )
        with self.engine.begin() as conn:
            if conn.execute(citizen_materials.update().where(key).values(**row)).rowcount == 0:
                conn.execute(
                    citizen_materials.insert().values(
                        citizen_id=entry.citizen_id, material_id=entry.material, **row
                    )
                )

    def delete_file(self, citizen_id: str, material_id: str | None = None) -> int:
        """Really delete (destruction, not a flag); returns how many entries went."""
        query = citizen_materials.delete().where(citizen_materials.c.citizen_id == citizen_id)
        if material_id is not None:
            query = query.where(citizen_materials.c.material_id == material_id)
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount


def _without_requirements(scenario: Scenario) -> Scenario:
    return replace(scenario, requirements=())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
