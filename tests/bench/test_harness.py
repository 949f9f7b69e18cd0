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
    matcher = (
        "process (bot/nlu/registry_matcher.py:90);rank (bot/nlu/retrieval.py:200);cut (jieba/__init__.py:1)"
    )
    assert part_of(matcher) == "NLU: registry matcher"


def test_a_scaled_registry_repeats_the_real_one_under_new_ids(tmp_path: Path) -> None:
    real = load_registry(ROOT / "data" / "registry")
    scaled = load_registry(write_scaled_registry(ROOT / "data" / "registry", tmp_path / "x3", 3))
    assert len(scaled.scenarios) == 3 * len(real.scenarios)
    assert len(scaled.matters) == 3 * len(real.matters)
    assert len(scaled.catalogue) == 3 * len(real.catalogue)
    assert len(scaled.materials) == 3 * len(real.materials)
    copy = scaled.scenarios["newborn_x2"]
    assert [r.material for r in copy.requirements] == [
        r.material + "_x2" for r in real.scenarios["newborn"].requirements
    ]
    assert scaled.scenarios["newborn"] == real.scenarios["newborn"]
    assert scaled.materials["id_card_x1"].codes == tuple(c + "_x1" for c in real.materials["id_card"].codes)
    files = citizen_files(scaled, 3)
    assert len(files.rows) == 3 * 1000 * 10 and len(files.by_citizen) == 3000
    assert len({(r["citizen_id"], r["material_id"]) for r in files.rows}) == len(files.rows)


def test_a_scaled_matter_keeps_its_links_in_its_own_copy(tmp_path: Path) -> None:
    real = load_registry(ROOT / "data" / "registry")
    bundled = next((m for m in real.matters.values() if m.related_scenarios), None)
    if bundled is None:
        pytest.skip("no matter in the registry names a scenario that bundles it")
    scaled = load_registry(write_scaled_registry(ROOT / "data" / "registry", tmp_path / "x2", 2))
    copy = scaled.matters[bundled.id + "_x1"]
    assert copy.kind == "matter" and copy.service_id == f"{bundled.service_id}_x1"
    assert copy.related_scenarios == tuple(s + "_x1" for s in bundled.related_scenarios)
    assert [r.material for r in copy.requirements] == [r.material + "_x1" for r in bundled.requirements]
    assert scaled.catalogue[copy.service_id].matter == copy.id
    assert scaled.matters[bundled.id] == bundled


def test_checklist_requests_cover_both_kinds_and_are_checked_against_the_registry(tmp_path: Path) -> None:
    from bot.bench.registry_bench import Scaled, by_kind, checklist_calls, kinds_of

    registry = load_registry(ROOT / "data" / "registry")
    scaled = Scaled(1, ROOT / "data" / "registry", registry, citizen_files(registry, 1))
    calls = checklist_calls("http://x", scaled, 200)
    kinds = kinds_of(calls, registry)
    assert set(kinds) == ({"scenario", "matter"} if registry.matters else {"scenario"})
    assert any("matter" in c.body for c in calls) == bool(registry.matters)
    right = calls[0]
    assert right.check({"not": "a checklist"}) is not None
    split = by_kind([1.0] * len(kinds), kinds)
    assert sum(v["requests"] for v in split.values()) == len(calls)


def test_todays_model_is_the_newest_commit_without_matters() -> None:
    import subprocess

    from bot.bench.identification import TODAY_MARK, today_commit

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    commit = today_commit()
    assert subprocess.run(["git", "cat-file", "-e", f"{commit}:{TODAY_MARK}"], cwd=ROOT).returncode != 0
    assert subprocess.run(["git", "cat-file", "-e", f"{commit}:config.yml"], cwd=ROOT).returncode == 0


def test_the_parse_checks_ask_ours_for_the_registry_ranking() -> None:
    from bot.bench.identification import check_ours, check_today, messages

    ours = {"intent": {"name": "scenario_newborn"}, "registry": {"ranking": [], "vague": False}}
    assert check_ours(ours) is None and check_today(ours) is None
    assert check_ours({"intent": {"name": "greet"}}) == "no registry ranking in the parse"
    assert check_today({"intent": None}) == "no intent"
    texts = messages()
    assert texts and len(texts) == len(set(texts))


def test_the_command_line_takes_parts_and_registry_sizes() -> None:
    import argparse

    from bot.bench.run import PARTS, _factors, _parts

    assert _parts("identification,registry") == ("identification", "registry")
    assert set(PARTS) == {"conversation", "multiturn", "identification", "registry", "scaled"}
    assert _parts("multiturn") == ("multiturn",)
    assert _factors("1,10") == (1, 10)
    for bad, parse in (("nothing", _parts), ("1,x", _factors), ("0", _factors)):
        with pytest.raises(argparse.ArgumentTypeError):
            parse(bad)
