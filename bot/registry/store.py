"""The registry's database: SQLite by default, PostgreSQL through the same URL setting.

The YAML under ``data/registry`` is the truth; the store is a queryable copy
(reloaded when the files' digest changes) plus the one thing only the store
holds: citizens' files. Queries go by primary key or index so a checklist stays
a few milliseconds however large the registry grows.

Guides of both kinds (one-thing scenarios and ordinary matters, ``kind``) share the
``scenarios`` table, so a checklist reads a matter exactly as a scenario and a citizen's
file serves both. The portal's catalogue (every matter it lists, most without a
material list here) is the ``catalogue`` table. The schema is Alembic's
(``bot/registry/migrations``): :meth:`Store.open` upgrades the database in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.registry import migrations
from bot.registry.files import Registry
from bot.registry.model import CatalogueEntry, FileEntry, Material, Scenario
from bot.registry.versions import MATERIAL, plain, plain_documents, record_version
from bot.registry.versions import SCENARIO as GUIDE_DOC
from bot.sqlite import sqlite_engine

# The tables as the newest migration leaves them (tests/test_migrations.py checks the two agree).
metadata = sa.MetaData()
SCENARIO, MATTER, CATALOGUE = "scenario", "matter", "catalogue"

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
    sa.Column("kind", sa.String(16), nullable=False, server_default=SCENARIO, index=True),
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
catalogue = sa.Table(
    "catalogue",
    metadata,
    sa.Column("service_id", sa.String(128), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    # The detailed matter with this service_id, when the registry has its material list.
    sa.Column("matter", sa.String(128), nullable=True, index=True),
    sa.Column("doc", sa.Text, nullable=False),
)
catalogue_names = sa.Table(
    "catalogue_names",
    metadata,
    sa.Column("service_id", sa.String(128), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
)
REGISTRY_TABLES = (
    requirements,
    material_names,
    materials,
    scenario_names,
    scenarios,
    catalogue_names,
    catalogue,
)

# The queries of every checklist, built once with bound parameters: building a statement
# took longer than running it on its index (docs/benchmarks.md).
_SCENARIO_DOC = sa.select(scenarios.c.doc).where(scenarios.c.id == sa.bindparam("id"))
_CATALOGUE_DOC = sa.select(catalogue.c.doc).where(catalogue.c.service_id == sa.bindparam("id"))
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


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str) -> Engine:
    """One pooled engine per process; SQLite gets WAL so readers never wait for a writer."""
    if url.startswith("sqlite:///"):
        return sqlite_engine(url, future=True, pool_size=8)
    return sa.create_engine(url, future=True, pool_size=8, max_overflow=8, pool_pre_ping=True)


class Store:
    """Registry queries and citizen-file reads and writes over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One connection for all the reads of a request (a checklist: guide, materials, file,
        version): every checkout costs on PostgreSQL a liveness ping and a rollback on return,
        two round trips each, more than the short indexed reads themselves (docs/benchmarks.md)."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _connection(self, conn: Connection | None) -> Iterator[Connection]:
        """``conn`` when a caller reads on its own connection (:meth:`reading`), else one of the pool's."""
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as own:
            yield own

    @classmethod
    def open(cls, url: str) -> Store:
        """The store at ``url``, its schema upgraded to the newest migration (bot/registry/migrations)."""
        store = cls(make_engine(url))
        migrations.upgrade(store.engine)
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
            docs = None
            if current != registry.digest:
                docs = plain_documents(registry)
                self._replace(conn, registry, docs)
                changed = True
            if with_demo and registry.demo_citizens:
                self._ensure_demo(conn, registry.demo_citizens)
            record_version(conn, registry, note, docs)
        return changed

    def _replace(
        self, conn: Connection, registry: Registry, docs: dict[tuple[str, str], dict[str, Any]]
    ) -> None:
        """The registry tables anew from ``docs`` (:func:`bot.registry.versions.plain_documents`)."""
        for table in REGISTRY_TABLES:
            conn.execute(table.delete())
        conn.execute(meta.delete().where(meta.c.key == "digest"))
        conn.execute(
            materials.insert(),
            [
                {"id": m.id, "name": m.name, "doc": _json(docs[MATERIAL, m.id])}
                for m in registry.materials.values()
            ],
        )
        conn.execute(
            material_names.insert(),
            [
                {"material_id": m.id, "name": n}
                for m in registry.materials.values()
                for n in dict.fromkeys((m.name, *m.aliases))
            ],
        )
        guides = list(registry.scenarios.values()) + list(registry.matters.values())
        conn.execute(
            scenarios.insert(),
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "kind": s.kind,
                    "doc": _json({k: v for k, v in docs[GUIDE_DOC, s.id].items() if k != "requirements"}),
                }
                for s in guides
            ],
        )
        # A matter is found by its own name and aliases, and by the catalogue's name for it.
        listed_as = {e.matter: e.name for e in registry.catalogue.values() if e.matter}
        conn.execute(
            scenario_names.insert(),
            [
                {"scenario_id": s.id, "name": n}
                for s in guides
                for n in dict.fromkeys((s.name, *s.aliases, *filter(None, [listed_as.get(s.id)])))
            ],
        )
        reqs = [
            {"scenario_id": s.id, "position": i, "material_id": r.material, "doc": _json(doc)}
            for s in guides
            for i, (r, doc) in enumerate(
                zip(s.requirements, docs[GUIDE_DOC, s.id].get("requirements", []), strict=True)
            )
        ]
        if reqs:
            conn.execute(requirements.insert(), reqs)
        entries = list(registry.catalogue.values())
        if entries:
            conn.execute(
                catalogue.insert(),
                [
                    {"service_id": e.service_id, "name": e.name, "matter": e.matter, "doc": _json(plain(e))}
                    for e in entries
                ],
            )
            # An entry is found by its name and its curated aliases, as a matter is.
            conn.execute(
                catalogue_names.insert(),
                [
                    {"service_id": e.service_id, "name": n}
                    for e in entries
                    for n in dict.fromkeys((e.name, *e.aliases))
                ],
            )
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

    def scenario(self, scenario_id: str, conn: Connection | None = None) -> Scenario | None:
        """A guide of either kind (one-thing scenario or matter) with its requirements."""
        with self._connection(conn) as conn:
            doc = conn.execute(_SCENARIO_DOC, {"id": scenario_id}).scalar()
            if doc is None:
                return None
            reqs = conn.execute(_REQUIREMENT_DOCS, {"id": scenario_id}).scalars().all()
        data = json.loads(doc)
        data["requirements"] = [json.loads(r) for r in reqs]
        return Scenario.from_dict(data)

    def catalogue_entry(self, service_id: str, conn: Connection | None = None) -> CatalogueEntry | None:
        with self._connection(conn) as conn:
            doc = conn.execute(_CATALOGUE_DOC, {"id": service_id}).scalar()
        return None if doc is None else CatalogueEntry.from_dict(json.loads(doc))

    def matter(self, key: str) -> Scenario | CatalogueEntry | None:
        """A matter by its id or its service_id: the detailed matter when the registry has its
        material list, else the catalogue's entry (which has none); None when neither knows it."""
        found = self.scenario(key)
        if found is not None:
            return found if found.kind == MATTER else None
        entry = self.catalogue_entry(key)
        if entry is not None and entry.matter:
            return self.scenario(entry.matter) or entry
        return entry

    def materials(self, ids: Iterable[str], conn: Connection | None = None) -> dict[str, Material]:
        ids = list(set(ids))
        if not ids:
            return {}
        with self._connection(conn) as conn:
            rows = conn.execute(_MATERIAL_DOCS, {"ids": ids}).scalars()
            found = [Material.from_dict(json.loads(doc)) for doc in rows]
        return {m.id: m for m in found}

    def _search(
        self,
        table: sa.Table,
        names: sa.Table,
        q: str | None,
        limit: int,
        where: Any = None,
        by_length: bool = False,
    ) -> list[Any]:
        """Rows of ``table`` one of whose names contains every word of ``q`` (all rows without
        ``q``); by id, or (``by_length``) shortest name first, the closest to what was typed."""
        key = table.primary_key.columns.values()[0]
        query = sa.select(key.label("id"), table.c.name, table.c.doc)
        if where is not None:
            query = query.where(where)
        words = (q or "").split()
        if words:
            owner = next(c for c in names.c if c.name.endswith("_id"))
            likes = [names.c.name.like(f"%{_escape_like(w)}%", escape="\\") for w in words]
            query = query.where(key.in_(sa.select(owner).where(*likes)))
        order = (sa.func.length(table.c.name), key) if by_length and words else (key,)
        with self.engine.connect() as conn:
            return conn.execute(query.order_by(*order).limit(limit)).all()

    def search_scenarios(self, q: str | None, limit: int = 50) -> list[dict[str, Any]]:
        """One-thing scenarios only (matters: :meth:`search_matters`)."""
        found = []
        for row in self._search(scenarios, scenario_names, q, limit, scenarios.c.kind == SCENARIO):
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

    def search_matters(self, q: str | None, limit: int = 50) -> list[dict[str, Any]]:
        """Matters with a material list and catalogue-only entries whose name (or an alias) contains
        every word of ``q``; a detailed matter appears once, as itself. Shortest names first."""
        detailed = self._search(scenarios, scenario_names, q, limit, scenarios.c.kind == MATTER, True)
        listed = self._search(catalogue, catalogue_names, q, limit, catalogue.c.matter.is_(None), True)
        found = [matter_summary(json.loads(r.doc)) for r in detailed]
        found += [catalogue_summary(json.loads(r.doc)) for r in listed]
        if (q or "").split():
            found.sort(key=lambda m: (len(m["name"]), m["id"]))
        return found[:limit]

    def search_materials(self, q: str | None, limit: int = 50) -> list[dict[str, Any]]:
        return [json.loads(row.doc) for row in self._search(materials, material_names, q, limit)]

    def scenarios_using(self, material_id: str) -> list[dict[str, Any]]:
        """Every guide (scenario or matter) that asks for a material."""
        query = (
            sa.select(scenarios.c.id, scenarios.c.name, scenarios.c.kind)
            .distinct()
            .join(requirements, requirements.c.scenario_id == scenarios.c.id)
            .where(requirements.c.material_id == material_id)
            .order_by(scenarios.c.kind.desc(), scenarios.c.id)
        )
        with self.engine.connect() as conn:
            return [{"id": r.id, "name": r.name, "kind": r.kind} for r in conn.execute(query)]

    def all_guides(self, kind: str | None = None) -> Iterator[Scenario]:
        """Every guide with its requirements (``kind``: only scenarios or only matters)."""
        reqs_query = sa.select(requirements.c.scenario_id, requirements.c.doc).order_by(
            requirements.c.scenario_id, requirements.c.position
        )
        guides_query = sa.select(scenarios.c.id, scenarios.c.doc).order_by(scenarios.c.id)
        if kind is not None:
            guides_query = guides_query.where(scenarios.c.kind == kind)
            reqs_query = reqs_query.where(
                requirements.c.scenario_id.in_(sa.select(scenarios.c.id).where(scenarios.c.kind == kind))
            )
        with self.engine.connect() as conn:
            reqs: dict[str, list[dict[str, Any]]] = {}
            for row in conn.execute(reqs_query):
                reqs.setdefault(row.scenario_id, []).append(json.loads(row.doc))
            for row in conn.execute(guides_query):
                data = json.loads(row.doc)
                data["requirements"] = reqs.get(row.id, [])
                yield Scenario.from_dict(data)

    def all_scenarios(self) -> Iterator[Scenario]:
        return self.all_guides(SCENARIO)

    def counts(self) -> dict[str, int]:
        count = sa.select(sa.func.count())
        with self.engine.connect() as conn:
            kinds = dict(
                conn.execute(sa.select(scenarios.c.kind, sa.func.count()).group_by(scenarios.c.kind)).all()
            )
            return {
                "scenarios": kinds.get(SCENARIO, 0),
                "matters": kinds.get(MATTER, 0),
                "catalogue": conn.execute(count.select_from(catalogue)).scalar_one(),
                "catalogue_only": conn.execute(
                    count.select_from(catalogue).where(catalogue.c.matter.is_(None))
                ).scalar_one(),
                "materials": conn.execute(count.select_from(materials)).scalar_one(),
                "requirements": conn.execute(count.select_from(requirements)).scalar_one(),
            }

    # -- citizens' files ------------------------------------------------------

    def file(
        self, citizen_id: str, material_ids: Iterable[str] | None = None, conn: Connection | None = None
    ) -> list[FileEntry]:
        params: dict[str, Any] = {"citizen": citizen_id}
        query = _FILE
        if material_ids is not None:
            query, params = _FILE_OF, {**params, "materials": list(material_ids)}
        with self._connection(conn) as conn:
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matter_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """A detailed matter as one line of a search (its document without requirements)."""
    return {
        "id": doc["id"],
        "name": doc["name"],
        "kind": MATTER,
        "service_id": doc.get("service_id"),
        "department": doc.get("department"),
        "matter_type": doc.get("matter_type"),
        "audience": doc.get("audience"),
        "materials_known": True,
        "related_scenarios": doc.get("related_scenarios", []),
    }


def catalogue_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """A catalogue-only entry as one line of a search: its id is its service_id."""
    return {
        "id": doc["service_id"],
        "name": doc["name"],
        "kind": CATALOGUE,
        "service_id": doc["service_id"],
        "department": doc.get("department"),
        "matter_type": doc.get("matter_type"),
        "audience": doc.get("audience"),
        "materials_known": False,
        "related_scenarios": [],
    }
