"""The material registry as an HTTP service (FastAPI; OpenAPI at ``/openapi.json``).

Bad input always gets a 4xx with a JSON body ``{"error": {"code", "message"}}``
in plain words, and a refused request changes nothing. Citizens' files and
checklists that read a file need the service token: only the bot's action
server (which has verified the citizen) and staff tools hold it.

Guides are of two kinds, answered alike: one-thing scenarios (``/scenarios``) and
ordinary matters (``/matters``); ``/checklist`` takes the id of either. A matter the
portal lists without a material list (catalogue-only) is answered by ``/matters`` with
``materials_known: false`` and refused by ``/checklist`` (``no_material_list``): the
registry never invents its materials.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StrictBool, conint, constr
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from bot.feedback.api import feedback_router
from bot.jsonapi import ApiError, FastJSONResponse, JsonObject, install_error_handlers, serve_app
from bot.registry.api_models import ScenarioAnswers
from bot.registry.checklist import AnswerError, compute_checklist
from bot.registry.dashboard_api import dashboard_router
from bot.registry.files import load_registry
from bot.registry.guide_cache import GuideCache, digest_of
from bot.registry.model import CatalogueEntry, FileEntry, Material, Scenario, to_dict
from bot.registry.notices import notice_book, notice_of_answer, notices_router
from bot.registry.reload import Reloader
from bot.registry.stats import registry_stats
from bot.registry.store import Store
from bot.registry.versions import Versions
from bot.registry.versions_api import versions_router
from bot.settings import Settings, get_settings
from bot.sqlite import is_sqlite_file

log = logging.getLogger(__name__)

CITIZEN_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
MATERIAL_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"

if TYPE_CHECKING:  # mypy reads a constrained type as the type it validates into
    CitizenId = str
    MaterialId = str
    Channel = str
    VersionNumber = int
else:
    CitizenId = constr(strict=True, regex=CITIZEN_ID)
    MaterialId = constr(strict=True, regex=MATERIAL_ID)
    Channel = constr(strict=True, max_length=64)
    VersionNumber = conint(strict=True, ge=1, le=1_000_000_000)


class ChecklistRequest(ScenarioAnswers):
    citizen_id: CitizenId | None = None
    # A registry version: the checklist as that version said it (anonymous only; bot/registry/versions.py).
    version: VersionNumber | None = None
    # Issue the answer's one-time notice with it (service token; current version only): the bot's
    # answer is then one request, not two. The answer's "notice" is POST /notices's.
    notice: StrictBool = False


class FileEntryIn(JsonObject):
    material: MaterialId
    submitted_at: date | None = None
    valid_until: date | None = None
    channel: Channel | None = None

    class Config:
        extra = "forbid"


class MatterSummary(BaseModel):
    """One line of ``GET /matters``: a detailed matter, or a catalogue-only entry (id = service_id)."""

    id: str
    name: str
    kind: str  # "matter" | "catalogue"
    service_id: str | None = None
    department: str | None = None
    matter_type: str | None = None
    audience: str | None = None
    materials_known: bool
    related_scenarios: list[str] = []


class MatterList(BaseModel):
    matters: list[MatterSummary]


def no_material_list(entry: CatalogueEntry) -> ApiError:
    return ApiError(
        422,
        "no_material_list",
        f"「{entry.name}」的材料清单不在材料库中（只有目录信息），请查看官方办事指南"
        + (f" {entry.official_url}" if entry.official_url else "")
        + " 或拨打 12345 咨询",
    )


def catalogue_answer(entry: CatalogueEntry) -> dict[str, Any]:
    """A catalogue-only entry as ``GET /matters/{id}`` gives it: who handles it and where the
    official guide is, and plainly that its material list is not in the registry."""
    doc = to_dict(entry)
    return {
        "id": entry.service_id,
        "service_id": entry.service_id,
        "name": entry.name,
        "kind": "catalogue",
        "materials_known": False,
        "department": entry.department,
        "matter_type": entry.matter_type,
        "audience": entry.audience,
        "categories": list(entry.categories),
        "official_url": entry.official_url or entry.source.official_url,
        "source": doc.get("source", {}),
    }


def plain_json(content: dict[str, Any]) -> JSONResponse:
    """A response of content that is plain JSON already (checklists, scenario documents).

    FastAPI would otherwise re-validate it against the declared model and re-encode it
    item by item: most of a checklist's time at any registry size (docs/benchmarks.md).
    The declared ``response_model`` still documents the endpoint in the OpenAPI schema.
    """
    return FastJSONResponse(content)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        registry = load_registry(settings.registry.dir)
        store = Store.open(settings.registry_store_url)
        changed = store.sync(registry, with_demo=settings.registry.load_demo_citizens)
        state["store"] = store
        log.info(
            "registry %s %s (%d scenarios, %d matters, %d catalogue entries)",
            registry.digest,
            "loaded" if changed else "unchanged",
            len(registry.scenarios),
            len(registry.matters),
            len(registry.catalogue),
        )
        reloader = Reloader(
            settings.registry.dir, store, registry.digest, settings.registry.load_demo_citizens
        )
        # The store holds it all now; kept here, every record would stay alive while the service
        # runs (some 280 MB at 4,000 scenarios; docs/benchmarks.md).
        del registry
        watching = (
            asyncio.create_task(reloader.run(settings.registry.reload_seconds))
            if settings.registry.reload_seconds > 0
            else None
        )
        yield
        if watching is not None:
            watching.cancel()
        store.engine.dispose()

    app = FastAPI(
        title="onceonly material registry",
        version="1.0",
        description="一件事材料库：哪些材料免提交、可复用、还需提交。",
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
    )
    install_error_handlers(app, settings.registry.max_body_bytes)

    def store() -> Store:
        return state["store"]

    book = notice_book(store)
    # Guides from memory while the registry version stays (bot/registry/guide_cache.py).
    guides = GuideCache(lambda conn: digest_of(Versions(store().engine).current(conn)))

    def version_of_answer(current: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Which registry version an answer is read from (cited with it, bot/render.py)."""
        current = current or Versions(store().engine).current()
        return {"number": current["number"], "date": current["date"]} if current else None

    def service_token(authorization: str | None = Header(None)) -> None:
        expected = f"Bearer {settings.secrets.registry_token}"
        if not authorization or not hmac.compare_digest(authorization.encode(), expected.encode()):
            raise ApiError(401, "unauthorized", "需要服务令牌（Authorization: Bearer …）")

    # On SQLite the two requests of every answer (the guide, /checklist) are served on the event
    # loop: FastAPI hands a plain function to a worker thread, and that hop cost more CPU than the
    # reads themselves, short indexed queries in this process (docs/benchmarks.md). Both, not one:
    # a request on the loop waiting for a pooled connection that worker threads held stalled every
    # other request (registry timeouts at 32 clients in make bench). PostgreSQL's reads wait on
    # its socket, time in which other requests go on: there the thread is worth its cost.
    reads_inline = is_sqlite_file(settings.registry_store_url)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Counts: scenarios, matters (with a material list), catalogue (every listed matter),
        catalogue_only, materials, requirements."""
        return {"status": "ok", "digest": store().digest(), **store().counts()}

    @app.get("/scenarios")
    def list_scenarios(
        q: str | None = Query(None, max_length=64), limit: int = Query(50, ge=1, le=500)
    ) -> dict[str, Any]:
        return {"scenarios": store().search_scenarios(q, limit)}

    @app.get("/scenarios/{scenario_id}", response_model=dict[str, Any])
    async def get_scenario(scenario_id: str = Path(..., max_length=128)) -> JSONResponse:
        """A guide of either kind: the document says its ``kind`` (scenario or matter)."""
        # Asked with every answer, as /checklist is, and served the same way (see reads_inline).
        if reads_inline:
            return guide_answer(scenario_id)
        return await run_in_threadpool(guide_answer, scenario_id)

    def guide_answer(scenario_id: str) -> JSONResponse:
        with store().reading() as conn:
            current = Versions(store().engine).current(conn)
            scenario = guides.get(
                f"guide {scenario_id}", digest_of(current), conn, lambda c: store().scenario(scenario_id, c)
            )
        if scenario is None:
            raise ApiError(404, "unknown_scenario", f"没有这个事项: {scenario_id}")
        return plain_json(to_dict(scenario) | {"registry_version": version_of_answer(current)})

    @app.get("/matters", response_model=MatterList)
    def list_matters(
        q: str | None = Query(None, max_length=64), limit: int = Query(50, ge=1, le=500)
    ) -> JSONResponse:
        """Matters whose name (or an alias) contains every word of ``q``, shortest names first:
        detailed ones (kind matter) and catalogue-only ones (kind catalogue, id = service_id)."""
        return plain_json({"matters": store().search_matters(q, limit)})

    @app.get("/matters/{matter_id}", response_model=dict[str, Any])
    def get_matter(matter_id: str = Path(..., max_length=128)) -> JSONResponse:
        """A matter by its id or its service_id: the full guide (``materials_known: true``), or a
        catalogue-only entry (``materials_known: false``: name, department, type, official guide)."""
        found = store().matter(matter_id)
        if found is None:
            raise ApiError(404, "unknown_matter", f"没有这个事项: {matter_id}")
        if isinstance(found, CatalogueEntry):
            return plain_json(catalogue_answer(found) | {"registry_version": version_of_answer()})
        return plain_json(to_dict(found) | {"materials_known": True, "registry_version": version_of_answer()})

    @app.get("/materials")
    def list_materials(
        q: str | None = Query(None, max_length=64), limit: int = Query(50, ge=1, le=500)
    ) -> dict[str, Any]:
        return {"materials": store().search_materials(q, limit)}

    @app.get("/materials/{material_id}")
    def get_material(material_id: str = Path(..., max_length=128)) -> dict[str, Any]:
        found = store().materials([material_id]).get(material_id)
        if found is None:
            raise ApiError(404, "unknown_material", f"没有这项材料: {material_id}")
        return to_dict(found) | {
            "used_by": store().scenarios_using(material_id),
            "registry_version": version_of_answer(),
        }

    @app.post("/checklist", response_model=dict[str, Any])
    async def checklist(body: ChecklistRequest, authorization: str | None = Header(None)) -> JSONResponse:
        if reads_inline:
            return checklist_answer(body, authorization)
        return await run_in_threadpool(checklist_answer, body, authorization)

    def checklist_answer(body: ChecklistRequest, authorization: str | None) -> JSONResponse:
        if body.citizen_id is not None or body.notice:
            service_token(authorization)
        if body.version is not None:
            return plain_json(checklist_at_version(body, body.version))
        with store().reading() as conn:  # one checkout for every read of the answer
            current = Versions(store().engine).current(conn)
            scenario, mats = guides.get(
                f"checklist {body.guide_id}",
                digest_of(current),
                conn,
                lambda c: guide_and_materials(body.guide_id, c),
            )
            held: list[FileEntry] = store().file(body.citizen_id, mats, conn) if body.citizen_id else []
        try:
            result = compute_checklist(scenario, mats, body.answers, held)
        except AnswerError as exc:
            raise ApiError(422, "unknown_answer", str(exc)) from exc
        result["scenario"]["kind"] = scenario.kind
        result["citizen"] = {"id": body.citizen_id, "file_used": True} if body.citizen_id else None
        result["registry_version"] = version_of_answer(current)
        if body.notice:
            result["notice"] = notice_of_answer(book, scenario.id, result["answers"], current)
        return plain_json(result)

    def guide_and_materials(guide_id: str, conn: Connection) -> tuple[Scenario, dict[str, Material]]:
        scenario = guide(guide_id, conn)
        return scenario, store().materials((r.material for r in scenario.requirements), conn)

    def guide(guide_id: str, conn: Connection) -> Scenario:
        """The scenario or matter a checklist is for; a catalogue service_id stands for its detailed
        matter, and a catalogue-only one is refused (its material list is not in the registry)."""
        found = store().scenario(guide_id, conn)
        if found is not None:
            return found
        entry = store().catalogue_entry(guide_id, conn)
        if entry is None:
            raise ApiError(404, "unknown_scenario", f"没有这个事项: {guide_id}")
        matter = store().scenario(entry.matter, conn) if entry.matter else None
        if matter is None:
            raise no_material_list(entry)
        return matter

    def checklist_at_version(body: ChecklistRequest, version: int) -> dict[str, Any]:
        """The anonymous checklist as registry version ``version`` gave it (old notice links)."""
        if body.citizen_id is not None:
            raise ApiError(
                422, "invalid_request", "历史版本的清单不读个人材料库（不能同时给 citizen_id 和 version）"
            )
        if body.notice:
            raise ApiError(
                422, "invalid_request", "告知单只随当前版本的清单签发（不能同时给 notice 和 version）"
            )
        versions = Versions(store().engine)
        found = versions.get(version)
        if found is None:
            raise ApiError(404, "unknown_version", f"没有版本 {version}")
        at = versions.scenario_at(found["number"], body.guide_id)
        entry = store().catalogue_entry(body.guide_id) if at is None else None
        if entry is not None and entry.matter:  # a matter's service_id stands for the matter
            at = versions.scenario_at(found["number"], entry.matter)
        if at is None:
            raise ApiError(404, "unknown_scenario", f"版本 {body.version} 里没有这个事项: {body.scenario}")
        try:
            result = compute_checklist(*at, body.answers)
        except AnswerError as exc:
            raise ApiError(422, "unknown_answer", str(exc)) from exc
        result["scenario"]["kind"] = at[0].kind
        return result | {
            "citizen": None,
            "registry_version": {"number": found["number"], "date": found["date"]},
        }

    citizen_path = Path(..., pattern=CITIZEN_ID)

    @app.get("/citizens/{citizen_id}/materials", dependencies=[Depends(service_token)])
    def get_file(citizen_id: str = citizen_path) -> dict[str, Any]:
        entries = store().file(citizen_id)
        names = {m.id: m.name for m in store().materials(e.material for e in entries).values()}
        return {
            "citizen_id": citizen_id,
            "materials": [to_dict(e) | {"name": names.get(e.material)} for e in entries],
        }

    @app.post("/citizens/{citizen_id}/materials", status_code=201, dependencies=[Depends(service_token)])
    def add_to_file(body: FileEntryIn, citizen_id: str = citizen_path) -> dict[str, Any]:
        if body.material not in store().materials([body.material]):
            raise ApiError(422, "unknown_material", f"没有这项材料: {body.material}")
        submitted = body.submitted_at or date.today()
        if body.valid_until and body.valid_until < submitted:
            raise ApiError(422, "invalid_request", "valid_until 不能早于 submitted_at")
        entry = FileEntry(
            citizen_id=citizen_id,
            material=body.material,
            submitted_at=submitted.isoformat(),
            valid_until=body.valid_until.isoformat() if body.valid_until else None,
            channel=body.channel,
        )
        store().put_file_entry(entry)
        return to_dict(entry)

    @app.delete("/citizens/{citizen_id}/materials", dependencies=[Depends(service_token)])
    def delete_file(citizen_id: str = citizen_path) -> dict[str, Any]:
        return {"citizen_id": citizen_id, "deleted": store().delete_file(citizen_id)}

    @app.delete("/citizens/{citizen_id}/materials/{material_id}", dependencies=[Depends(service_token)])
    def delete_file_entry(
        citizen_id: str = citizen_path, material_id: str = Path(..., pattern=MATERIAL_ID)
    ) -> dict[str, Any]:
        deleted = store().delete_file(citizen_id, material_id)
        if not deleted:
            raise ApiError(404, "not_in_file", f"{citizen_id} 的材料库里没有 {material_id}")
        return {"citizen_id": citizen_id, "material": material_id, "deleted": deleted}

    @app.get("/stats")
    def stats() -> dict[str, Any]:
        """The once-or-exempt share: ``overall`` over the one-thing scenarios (as before matters),
        ``by_kind``, ``all`` (scenarios and matters) and ``by_department``; rows per guide."""
        return registry_stats(store().all_guides())

    # Versions (public), notice codes and feedback (service token): bot/registry/versions_api.py,
    # bot/registry/notices.py, bot/feedback/api.py.
    app.include_router(versions_router(store))
    app.include_router(dashboard_router(store))  # the reform dashboard's figures (bot/dashboard/)
    app.include_router(notices_router(store, book), dependencies=[Depends(service_token)])
    app.include_router(
        feedback_router(store, settings.secrets.data_secret), dependencies=[Depends(service_token)]
    )
    return app


def serve(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    print(
        f"registry: http://{settings.registry.host}:{settings.registry.port}  "
        f"(store {settings.registry_store_url.split('@')[-1]}, API docs at /docs)",
        flush=True,
    )
    serve_app(create_app(settings), settings.registry.host, settings.registry.port)
