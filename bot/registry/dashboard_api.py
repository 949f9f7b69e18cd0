"""The registry service's figures for the reform dashboard: ``/stats/dashboard`` and ``/stats/trend``.

Computed here, beside the data, by :mod:`bot.dashboard.figures` (pure functions), so the web
server asks over HTTP like every other reader of the registry and never opens its database.
Public like ``/stats``: the figures say only what the published guides say.

Both are cached by content digest: a registry state (or a recorded version) never changes
once it has a digest, so the figures of one never need recomputing, and the trend over a
hundred versions costs one snapshot read per version the first time only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from bot.dashboard.figures import dashboard_figures, trend_point
from bot.registry.store import Store
from bot.registry.versions import Versions


def dashboard_router(store: Callable[[], Store]) -> APIRouter:
    router = APIRouter()
    # digest → figures (the current state's) and digest → trend point (a version's).
    current: dict[str, dict[str, Any]] = {}
    points: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def figures_now() -> dict[str, Any]:
        digest = store().digest() or ""
        with lock:
            found = current.get(digest)
        if found is None:
            guides = list(store().all_guides())
            materials = store().materials({r.material for g in guides for r in g.requirements})
            found = dashboard_figures(guides, materials)
            with lock:
                current.clear()  # only the newest state is ever asked for
                current[digest] = found
        return found

    @router.get("/stats/dashboard", response_model=dict[str, Any])
    def dashboard(
        push_limit: int = Query(
            50, ge=1, le=5000, description="how many materials 'where to push next' lists"
        ),
    ) -> JSONResponse:
        """The once-or-exempt share (``stats``: as ``/stats``), per issuer kind, the before/after-reform
        figures the guides give, and where to push next (materials and issuing bodies)."""
        found = figures_now()
        push = found["push_next"]
        version = Versions(store().engine).current()
        return JSONResponse(
            found
            | {"push_next": push | {"materials": push["materials"][:push_limit]}}
            | {
                "registry_version": {"number": version["number"], "date": version["date"]}
                if version
                else None
            }
        )

    @router.get("/stats/trend", response_model=dict[str, Any])
    def trend(
        limit: int = Query(100, ge=1, le=1000, description="the newest this many versions"),
    ) -> JSONResponse:
        """The once-or-exempt share of each registry version, oldest first."""
        versions = Versions(store().engine)
        found = []
        for version in reversed(versions.all(limit)):
            with lock:
                point = points.get(version["digest"])
            if point is None:
                point = trend_point(version, versions.guides_at(version["number"]))
                with lock:
                    points[version["digest"]] = point
            found.append(point)
        return JSONResponse({"versions": found})

    return router
