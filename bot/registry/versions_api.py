"""The registry service's ``/versions`` routes: the list, one version, and what changed between two.

Public like ``/scenarios``: versions say only what the published guides said.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Path, Query

from bot.jsonapi import ApiError
from bot.registry.store import Store
from bot.registry.versions import Versions


def _number() -> Any:
    """A version number in a path (a fresh parameter each time: FastAPI binds one to one name)."""
    return Path(..., ge=1, le=1_000_000_000)


def versions_router(store: Callable[[], Store]) -> APIRouter:
    router = APIRouter()

    def versions() -> Versions:
        return Versions(store().engine)

    def known(number: int) -> dict[str, Any]:
        found = versions().get(number)
        if found is None:
            raise ApiError(404, "unknown_version", f"没有版本 {number}")
        return found

    @router.get("/versions")
    def list_versions(limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
        found = versions().all(limit)
        return {"current": found[0]["number"] if found else None, "versions": found}

    @router.get("/versions/{number}")
    def get_version(number: int = _number()) -> dict[str, Any]:
        return known(number)

    @router.get("/versions/{a}/diff/{b}")
    def diff(
        a: int = _number(),
        b: int = _number(),
        scenario: str | None = Query(None, pattern=r"^[A-Za-z0-9_.-]{1,128}$"),
    ) -> dict[str, Any]:
        """What changed from version ``a`` to version ``b``, per scenario and per catalogue material."""
        old, new = known(a), known(b)
        return {"from": old, "to": new, "scenario": scenario, **versions().diff(a, b, scenario)}

    return router
