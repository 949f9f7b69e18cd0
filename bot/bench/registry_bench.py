"""``POST /checklist`` latency against registry size, on SQLite and on PostgreSQL.

For each size the registry service starts the ordinary way on a synthetic registry
(:mod:`bot.bench.synthetic`: scenarios, matters, the catalogue and the materials, all
copied) with generated citizens' files already in its store, so its start-up time
(parse the YAML, fill the tables) and its memory are measured too. The requests are a
fixed, seeded mix of scenarios and matters (as the registry holds them), situation
answers and (half of them) citizens, and each answer is compared with the checklist
computed in-process from the same data: a fast wrong checklist would count as an
error, not as a fast one.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bench.footprint import CpuMeter, peak_rss_mb, service_rss_mb
from bot.bench.load import Call, latency_stats, run_load
from bot.bench.progress import stage
from bot.bench.servers import REGISTRY_TOKEN, RegistryOnly, registry_settings
from bot.bench.synthetic import CitizenFiles, citizen_files, insert_citizen_files, write_scaled_registry
from bot.ops.local_postgres import LocalPostgres, server_bin_dir
from bot.ops.procs import free_port
from bot.registry.checklist import compute_checklist
from bot.registry.files import Registry, load_registry
from bot.registry.model import Scenario
from bot.registry.store import Store, make_engine
from bot.settings import ROOT


@dataclass(frozen=True)
class Scaled:
    """One synthetic registry: its directory, its records and its citizens' files."""

    factor: int
    directory: Path
    registry: Registry
    files: CitizenFiles
    # Seconds this process took to read and validate the synthetic registry's files.
    load_s: float = 0.0

    def size(self) -> dict[str, Any]:
        guides = self.registry.guides().values()
        return {
            "factor": self.factor,
            "scenarios": len(self.registry.scenarios),
            "matters": len(self.registry.matters),
            "catalogue": len(self.registry.catalogue),
            "entries": len(self.registry.scenarios)
            + len(self.registry.matters)
            + _catalogue_only(self.registry),
            "materials": len(self.registry.materials),
            "requirements": sum(len(s.requirements) for s in guides),
            "citizen_file_rows": len(self.files.rows),
            "load_s": round(self.load_s, 2),
        }


def _catalogue_only(registry: Registry) -> int:
    return sum(1 for e in registry.catalogue.values() if e.matter is None)


def build_scaled(work: Path, factor: int) -> Scaled:
    directory = write_scaled_registry(ROOT / "data" / "registry", work / f"registry-x{factor}", factor)
    started = time.monotonic()
    registry = load_registry(directory)
    load_s = time.monotonic() - started
    return Scaled(factor, directory, registry, citizen_files(registry, factor), load_s)


def _guide_id(body: dict[str, Any]) -> str:
    return body.get("scenario") or body["matter"]


def _expected(
    registry: Registry, guide: Scenario, body: dict[str, Any], files: CitizenFiles
) -> dict[str, Any]:
    materials = {r.material: registry.materials[r.material] for r in guide.requirements}
    held = files.by_citizen.get(body.get("citizen_id") or "", [])
    result = compute_checklist(guide, materials, body["answers"], held)
    # The service says which kind of guide answered (a scenario or a matter).
    result["scenario"].setdefault("kind", guide.kind)
    return json.loads(json.dumps(result, ensure_ascii=False))


def _checker(expected: dict[str, Any]) -> Any:
    def check(payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return "not a JSON object"
        # Every field the engine computes must match; what the service adds (who, which version) may vary.
        got = {k: payload.get(k) for k in expected}
        return None if got == expected else f"checklist differs for {expected['scenario']['id']}"

    return check


def checklist_calls(url: str, scaled: Scaled, n: int, seed: int = 7) -> list[Call]:
    """``n`` seeded checklist requests: any guide with requirements, scenario or matter, in
    the proportion the registry holds them (a matter named as ``scenario`` or, one time in
    four, as ``matter``, the synonym), random situation answers (some left open), and half
    of them for a citizen (with the service token)."""
    rng = random.Random(seed)
    guides = [s for s in scaled.registry.guides().values() if s.requirements]
    citizens = sorted(scaled.files.by_citizen)
    auth = {"Authorization": f"Bearer {REGISTRY_TOKEN}"}
    calls = []
    for _ in range(n):
        guide = rng.choice(guides)
        answers = {q.id: rng.choice(q.options).id for q in guide.questions if rng.random() < 0.7}
        key = "matter" if guide.kind == "matter" and rng.random() < 0.25 else "scenario"
        body: dict[str, Any] = {key: guide.id, "answers": answers}
        if rng.random() < 0.5:
            body["citizen_id"] = rng.choice(citizens)
        expected = _expected(scaled.registry, guide, body, scaled.files)
        calls.append(
            Call(url + "/checklist", body, _checker(expected), auth if "citizen_id" in body else None)
        )
    return calls


def kinds_of(calls: list[Call], registry: Registry) -> list[str]:
    """Whether each checklist request is for a one-thing scenario or a matter."""
    guides = registry.guides()
    return [guides[_guide_id(c.body)].kind for c in calls]


def by_kind(latencies_ms: list[float], kinds: list[str]) -> dict[str, Any]:
    """Latency figures per kind of guide; ``latencies_ms`` in the order of ``kinds`` (one client)."""
    out: dict[str, Any] = {}
    for kind in sorted(set(kinds)):
        mine = [ms for ms, k in zip(latencies_ms, kinds, strict=True) if k == kind]
        out[kind] = {"requests": len(mine), **latency_stats(mine)}
    return out


@contextmanager
def postgres_server(work: Path) -> Iterator[LocalPostgres | None]:
    """A throwaway PostgreSQL for the run, or None when its binaries are not installed."""
    try:
        server_bin_dir()
    except FileNotFoundError:
        yield None
        return
    server = LocalPostgres(Path(tempfile.mkdtemp(prefix="onceonly-bench-pg-")), free_port()).start()
    try:
        yield server
    finally:
        server.stop()


def _db_url(backend: str, scaled: Scaled, work: Path, pg: LocalPostgres | None) -> str:
    if backend == "sqlite":
        path = work / f"registry-x{scaled.factor}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    assert pg is not None
    return pg.create_database(f"bench_x{scaled.factor}")


def measure_size(
    backend: str,
    scaled: Scaled,
    work: Path,
    pg: LocalPostgres | None,
    requests: int,
    concurrencies: tuple[int, ...],
) -> dict[str, Any]:
    """Fill a store, start the registry on it, and time checklists at each concurrency."""
    url = _db_url(backend, scaled, work, pg)
    store = Store.open(url)
    insert_citizen_files(store.engine, scaled.files)
    store.engine.dispose()
    settings = registry_settings(work / f"var-{backend}-x{scaled.factor}", scaled.directory, url)
    started = time.monotonic()
    stack = RegistryOnly(settings, Path(), work / f"logs-{backend}-x{scaled.factor}").start(timeout=1800)
    startup = time.monotonic() - started
    try:
        service = stack.service("registry")
        calls = checklist_calls(service.url, scaled, requests)
        kinds = kinds_of(calls, scaled.registry)
        warmup = checklist_calls(service.url, scaled, min(100, requests), seed=11)
        loads = []
        for c in concurrencies:
            # The service's CPU time per request: what a checklist costs, which other people's load
            # on the machine disturbs far less than its latency.
            meter = CpuMeter([service])
            loaded = run_load(f"checklist {backend} {scaled.factor}x", calls, c, warmup=warmup, meter=meter)
            result = loaded.to_json()
            if c == 1:  # one client: the latencies are in the order of the calls
                result["by_kind"] = by_kind(result["latencies_ms"], kinds)
            loads.append(result)
        rss, peak = service_rss_mb(service), peak_rss_mb(service)
    finally:
        stack.stop()
    return {
        "backend": backend,
        **scaled.size(),
        "startup_s": round(startup, 2),
        "rss_mb": rss,
        "peak_rss_mb": peak,
        "loads": loads,
        "data_path": data_path(url, [c.body for c in calls], kinds),
    }


def data_path(url: str, bodies: list[dict[str, Any]], kinds: list[str] | None = None) -> dict[str, Any]:
    """The same checklists without HTTP: the store's queries and the engine, in this process.

    What the indexes and queries cost at this size, apart from the web framework's share of
    a request (which does not grow with the registry); per kind of guide when ``kinds``."""
    store = Store(make_engine(url))
    latencies = []
    try:
        for body in bodies:
            started = time.perf_counter()
            scenario = store.scenario(_guide_id(body))
            assert scenario is not None
            materials = store.materials(r.material for r in scenario.requirements)
            held = store.file(body["citizen_id"], materials) if body.get("citizen_id") else []
            compute_checklist(scenario, materials, body["answers"], held)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        store.engine.dispose()
    out: dict[str, Any] = {"requests": len(latencies), **latency_stats(latencies)}
    if kinds is not None:
        out["by_kind"] = by_kind(latencies, kinds)
    return out


def run_registry_bench(
    work: Path,
    factors: tuple[int, ...],
    backends: tuple[str, ...],
    requests: int,
    concurrencies: tuple[int, ...],
) -> dict[str, Any]:
    """Every (backend, size) pair; PostgreSQL is reported as skipped when it is not installed."""
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    with postgres_server(work) if "postgresql" in backends else _nothing() as pg:
        if "postgresql" in backends and pg is None:
            skipped["postgresql"] = "PostgreSQL server binaries not installed (make system-deps)"
        for factor in factors:
            with stage(f"synthetic registry {factor}x"):
                scaled = build_scaled(work, factor)
            print(f"[bench]   {scaled.size()}", flush=True)
            for backend in backends:
                if backend in skipped:
                    continue
                with stage(f"registry {backend} {factor}x"):
                    results.append(measure_size(backend, scaled, work, pg, requests, concurrencies))
    return {"runs": results, "skipped": skipped}


@contextmanager
def _nothing() -> Iterator[None]:
    yield None
