"""The registry store's migrations (bot/registry/migrations): a database made before them upgrades
in place, citizens' files and old versions intact, and answers the same checklists.

The "old" database is built with the baseline revision's frozen schema (exactly what
``create_all`` made before migrations) and filled the way the old store filled it: guides
without ``kind``, a registry version recorded, citizens' files, a notice and feedback rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from bot import migrate
from bot.registry import migrations
from bot.registry.checklist import compute_checklist
from bot.registry.files import Registry
from bot.registry.model import FileEntry, to_dict
from bot.registry.store import Store, make_engine
from bot.registry.store import metadata as store_metadata
from bot.registry.versions import Versions, plain
from bot.registry.versions import metadata as versions_metadata
from tests.test_store_migrations import STORES
from tests.test_store_migrations import make_old_database as make_old_store
from tests.test_store_migrations import schema_differences as store_schema_differences

OLD_DIGEST = "0ld0ld0ld0ld0ld0"
CITIZEN = "migrated-citizen-001"


def baseline_schema() -> sa.MetaData:
    return migrate.baseline_schema(migrations.__name__)


def _dumps(record: Any, **extra: Any) -> str:
    return json.dumps(to_dict(record) | extra, ensure_ascii=False, separators=(",", ":"))


def _old_doc(record: Any) -> dict[str, Any]:
    """A document as the old code kept it: the same record, without the fields matters added."""
    doc = to_dict(record)
    doc.pop("kind", None)
    return doc


def make_old_database(url: str, registry: Registry) -> None:
    """The registry's one-thing scenarios, a version and a citizen's file in the pre-migration schema."""
    engine = make_engine(url)
    old = baseline_schema()
    old.create_all(engine)
    t = old.tables
    scenarios = list(registry.scenarios.values())
    with engine.begin() as conn:
        conn.execute(
            t["materials"].insert(),
            [{"id": m.id, "name": m.name, "doc": _dumps(m)} for m in registry.materials.values()],
        )
        conn.execute(
            t["material_names"].insert(),
            [{"material_id": m.id, "name": m.name} for m in registry.materials.values()],
        )
        conn.execute(
            t["scenarios"].insert(),
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "doc": json.dumps(_old_doc(replace(s, requirements=())), ensure_ascii=False),
                }
                for s in scenarios
            ],
        )
        conn.execute(
            t["scenario_names"].insert(),
            [
                {"scenario_id": s.id, "name": n}
                for s in scenarios
                for n in dict.fromkeys((s.name, *s.aliases))
            ],
        )
        conn.execute(
            t["requirements"].insert(),
            [
                {"scenario_id": s.id, "position": i, "material_id": r.material, "doc": _dumps(r)}
                for s in scenarios
                for i, r in enumerate(s.requirements)
            ],
        )
        conn.execute(t["registry_meta"].insert(), [{"key": "digest", "value": OLD_DIGEST}])
        # Version 1 as the old record_version wrote it.
        version_docs = {("scenario", s.id): _old_doc(s) for s in scenarios}
        version_docs |= {("material", m.id): to_dict(m) for m in registry.materials.values()}
        canonical = {
            key: json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            for key, doc in version_docs.items()
        }
        hashes = {key: hashlib.sha256(doc.encode()).hexdigest() for key, doc in canonical.items()}
        unique = {hashes[key]: doc for key, doc in canonical.items()}
        conn.execute(t["registry_docs"].insert(), [{"hash": h, "doc": d} for h, d in unique.items()])
        conn.execute(
            t["registry_versions"].insert(),
            [
                {
                    "number": 1,
                    "digest": OLD_DIGEST,
                    "created_at": "2026-11-01T08:00:00+00:00",
                    "summary": f"首个版本：{len(scenarios)} 个事项，{len(registry.materials)} 项标准材料",
                    "note": None,
                    "scenarios": len(scenarios),
                    "materials": len(registry.materials),
                }
            ],
        )
        conn.execute(
            t["registry_version_docs"].insert(),
            [{"version": 1, "kind": k, "id": i, "hash": h} for (k, i), h in hashes.items()],
        )
        conn.execute(t["citizen_materials"].insert(), [_file_row(e) for e in citizen_file(registry)])
    engine.dispose()
    # The stores whose old code created their own tables in the same database on first use.
    make_old_store(url, STORES["notices"])
    make_old_store(url, STORES["feedback"])


def citizen_file(registry: Registry) -> list[FileEntry]:
    """A file holding one own, not exempt material of every scenario that has one."""
    held: dict[str, FileEntry] = {}
    for s in registry.scenarios.values():
        for r in s.requirements:
            if r.holder == "self" and not r.exemption:
                held.setdefault(
                    r.material,
                    FileEntry(
                        CITIZEN, r.material, "2026-01-05", "2031-01-01" if len(held) % 2 else None, "窗口"
                    ),
                )
                break
    return list(held.values())


def _file_row(entry: FileEntry) -> dict[str, Any]:
    return {
        "citizen_id": entry.citizen_id,
        "material_id": entry.material,
        "submitted_at": entry.submitted_at,
        "valid_until": entry.valid_until,
        "channel": entry.channel,
        "demo": False,
    }


def checklists(store: Store, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each guide's checklist for the citizen, as the service computes it."""
    found = {}
    for sid in ids:
        guide = store.scenario(sid)
        assert guide is not None, sid
        mats = store.materials(r.material for r in guide.requirements)
        found[sid] = compute_checklist(guide, mats, {}, store.file(CITIZEN, mats))
    return found


def file_rows(engine: sa.engine.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM citizen_materials ORDER BY citizen_id, material_id")).all()


def schema_differences(engine: sa.engine.Engine) -> list[Any]:
    """What separates the migrated database from the store's tables (notices and feedback, in the
    same database, have migrations of their own: tests/test_store_migrations.py)."""
    wanted = sa.MetaData()
    for table in [*store_metadata.tables.values(), *versions_metadata.tables.values()]:
        table.to_metadata(wanted)
    return store_schema_differences(engine, wanted)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres").create_database(
            f"migrations_{tmp_path.name[-24:]}".lower()
        )
    return f"sqlite:///{tmp_path / 'registry.sqlite3'}"


def test_a_new_database_is_created_by_the_migrations_and_matches_the_store(db_url):
    store = Store.open(db_url)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head() == "0002"
    assert schema_differences(store.engine) == []
    Store.open(db_url).engine.dispose()  # opening again is a no-op
    store.engine.dispose()


def test_an_old_database_with_files_upgrades_in_place_and_answers_the_same(db_url, registry):
    make_old_database(db_url, registry)
    old_engine = make_engine(db_url)
    files_before = file_rows(old_engine)
    assert len(files_before) >= 10
    ids = sorted(registry.scenarios)
    # The old database read by the store's own queries, before any migration.
    before = checklists(Store(old_engine), ids)
    assert sum(c["summary"]["reusable"] for c in before.values()) >= 10
    with old_engine.connect() as conn:
        assert migrations.current(conn) is None
    old_engine.dispose()

    store = Store.open(db_url)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        assert set(conn.execute(sa.text("SELECT DISTINCT kind FROM scenarios")).scalars()) == {"scenario"}
    assert schema_differences(store.engine) == []
    assert file_rows(store.engine) == files_before
    assert checklists(store, ids) == before

    # Loading today's files (matters and catalogue too) keeps the file and the scenarios' answers.
    assert store.sync(registry, with_demo=False)
    assert file_rows(store.engine) == files_before
    assert checklists(store, ids) == before
    counts = store.counts()
    assert counts["scenarios"] == len(registry.scenarios) and counts["matters"] == len(registry.matters)
    assert counts["catalogue"] == len(registry.catalogue)

    # The old version still recomputes an old notice link, and the new one is version 2.
    versions = Versions(store.engine)
    assert [v["number"] for v in versions.all()] == [2, 1]
    assert versions.get(1)["matters"] == 0 and versions.get(2)["matters"] == len(registry.matters)
    then = versions.scenario_at(1, "newborn")
    assert then is not None
    assert (
        compute_checklist(*then)["items"]
        == compute_checklist(registry.scenarios["newborn"], registry.materials)["items"]
    )
    # The other stores of the same database upgrade too, each in its own history, rows kept.
    for name in ("notices", "feedback"):
        case = STORES[name]
        other = case.open(db_url)
        case.answers(other)
        other.engine.dispose()
        with store.engine.connect() as conn:
            assert migrate.current(conn, case.package) == migrate.head(case.package)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
    store.engine.dispose()


def test_a_matter_is_answered_and_shares_the_file_with_scenarios(db_url, registry):
    if not registry.matters:
        pytest.skip("the registry has no matters yet")
    make_old_database(db_url, registry)
    store = Store.open(db_url)
    store.sync(registry, with_demo=False)
    held = {e.material for e in store.file(CITIZEN)}
    shared = next(
        (
            m
            for m in registry.matters.values()
            if any(r.material in held and r.holder == "self" and not r.exemption for r in m.requirements)
        ),
        None,
    )
    assert shared is not None, "some matter asks for a material a scenario asked the citizen for"
    [answer] = checklists(store, [shared.id]).values()
    assert any(i["status"] == "reusable" for i in answer["items"])
    store.engine.dispose()


def test_downgrade_to_the_baseline_and_up_again(tmp_path, registry):
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    store = Store.open(url)
    store.sync(registry, with_demo=False)
    store.put_file_entry(FileEntry(CITIZEN, next(iter(registry.materials)), "2026-02-02"))
    migrations.downgrade(store.engine, "0001")
    with store.engine.connect() as conn:
        assert migrations.current(conn) == "0001"
        columns = {c["name"] for c in sa.inspect(conn).get_columns("scenarios")}
        assert "kind" not in columns and not sa.inspect(conn).has_table("catalogue")
        kept = conn.execute(sa.text("SELECT count(*) FROM scenarios")).scalar()
    assert kept == len(registry.scenarios)
    migrations.upgrade(store.engine)
    assert schema_differences(store.engine) == []
    assert store.sync(registry, with_demo=False)  # the downgrade forgot the digest: reloaded
    assert store.counts()["matters"] == len(registry.matters)
    assert len(store.file(CITIZEN)) == 1
    store.engine.dispose()


def test_the_stores_plain_documents_are_what_to_dict_gives(registry):
    sample = [
        *list(registry.scenarios.values())[::5],
        *list(registry.matters.values())[::10],
        *list(registry.materials.values())[::25],
        *list(registry.catalogue.values())[::100],
    ]
    assert sample and all(plain(record) == to_dict(record) for record in sample)
