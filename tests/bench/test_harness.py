"""The harness's own parts: percentiles, the checks and error counts of the load generator, the
profile's sorting of stacks, and the synthetic registry."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.bench.load import Call, latency_stats, run_load
from bot.bench.profile import OTHER, WAITING, part_of
from bot.bench.synthetic import citizen_files, write_scaled_registry
from bot.ops.procs import free_port
from bot.registry.files import load_registry
from bot.settings import ROOT


def test_percentiles_interpolate_between_ranks() -> None:
    stats = latency_stats([float(x) for x in range(1, 101)])
    assert stats["p50_ms"] == 50.5 and stats["p99_ms"] == pytest.approx(99.01) and stats["max_ms"] == 100
    assert latency_stats([])["p50_ms"] is None


@pytest.fixture
def echo_server() -> Iterator[str]:
    """A tiny HTTP server that answers {"n": n} for {"n": n}, and 500 for n < 0."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(body, status=500 if body["n"] < 0 else 200)

    loop = asyncio.new_event_loop()
    port = free_port()
    runner = web.AppRunner(web.Application())
    runner.app.router.add_post("/echo", echo)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/echo"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_every_answer_is_checked_and_wrong_answers_count_as_errors(echo_server: str) -> None:
    def expect(n: int) -> Callable[[Any], str | None]:
        return lambda payload: None if payload == {"n": n} else "not the number sent"

    calls = [Call(echo_server, {"n": n}, expect(n)) for n in range(20)]
    calls += [Call(echo_server, {"n": 5}, expect(6)), Call(echo_server, {"n": -1}, expect(-1))]
    result = run_load("echo", calls, 4, warmup=calls[:2], quiet=True)
    assert result.requests == len(result.latencies_ms) == 22
    assert result.errors == {"wrong": 1, "http 500": 1}
    assert result.summary()["errors"] == 2 and result.summary()["throughput_rps"] > 0


def test_a_sampled_stack_is_put_under_the_most_specific_part() -> None:
    diet = "run (sanic/app.py:1);handle (rasa/core/processor.py:9);process (rasa/nlu/classifiers/diet_classifier.py:3)"
    assert part_of(diet).startswith("NLU: DIET")
    broker = "publish (rasa/core/brokers/sql.py:80);execute (sqlalchemy/engine/base.py:1)"
    assert part_of(broker).startswith("Rasa: tracker store")
    assert part_of("run (sanic/server/runners.py:1);serve (sanic/server/runners.py:155)") == WAITING
    assert part_of("main (somewhere.py:1)") == OTHER


def test_a_scaled_registry_repeats_the_real_one_under_new_ids(tmp_path: Path) -> None:
    real = load_registry(ROOT / "data" / "registry")
    scaled = load_registry(write_scaled_registry(ROOT / "data" / "registry", tmp_path / "x3", 3))
    assert len(scaled.scenarios) == 3 * len(real.scenarios)
    assert len(scaled.materials) == 3 * len(real.materials)
    copy = scaled.scenarios["newborn_x2"]
    assert [r.material for r in copy.requirements] == [
        r.material + "_x2" for r in real.scenarios["newborn"].requirements
    ]
    assert scaled.scenarios["newborn"] == real.scenarios["newborn"]
    files = citizen_files(scaled, 3)
    assert len(files.rows) == 3 * 1000 * 10 and len(files.by_citizen) == 3000
    assert len({(r["citizen_id"], r["material_id"]) for r in files.rows}) == len(files.rows)
