"""The multi-turn benchmark's own parts, against a real HTTP server that plays a bot: conversations
keep their sender across turns, every reply is checked, a wrong one ends its conversation and
counts as an error, and the report and figure are drawn from the results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from bot.bench import plots, report
from bot.bench.multiturn import Script, Talker, Turn, run_conversations, stock_scripts
from bot.ops.procs import free_port


@pytest.fixture
def counting_bot() -> Iterator[tuple[str, dict[str, list[str]]]]:
    """A REST webhook that answers each message with the number of messages its sender has sent so far,
    except "wrong", answered with "?"; it keeps what each sender said."""
    heard: dict[str, list[str]] = {}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        said = heard.setdefault(body["sender"], [])
        said.append(body["message"])
        text = "?" if body["message"] == "wrong" else str(len(said))
        return web.json_response([{"recipient_id": body["sender"], "text": text}])

    loop = asyncio.new_event_loop()
    port = free_port()
    runner = web.AppRunner(web.Application())
    runner.app.router.add_post("/webhooks/rest/webhook", webhook)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", heard
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _counts_to(n: int) -> Any:
    return lambda payload: None if [m.get("text") for m in payload] == [str(n)] else f"not {n}"


def _script(name: str, texts: list[str]) -> Script:
    return Script(name, tuple(Turn(t, _counts_to(i + 1)) for i, t in enumerate(texts)))


def test_a_conversations_turns_share_a_sender_and_each_reply_is_checked(
    counting_bot: tuple[str, dict[str, list[str]]],
) -> None:
    url, heard = counting_bot
    good = _script("good", ["a", "b", "c", "d"])
    bad = _script("bad", ["a", "wrong", "c", "d"])
    result = run_conversations("t", url + "/webhooks/rest/webhook", [good, good, bad, good], 2, quiet=True)
    summary = result.summary()
    assert summary["conversations"] == 4 and result.error_count == 1
    assert "turn 2 of bad" in result.error_examples[0]
    # The wrong reply ends its conversation: 3 × 4 turns + 2 of the bad one.
    assert [t["turns"] for t in summary["by_turn"]] == [4, 4, 3, 3] and summary["turns"] == 14
    assert sorted(map(len, heard.values())) == [2, 4, 4, 4]
    assert all(said[0] == "a" for said in heard.values())
    assert summary["conversations_per_s"] > 0 and 0 < summary["p50_ms"] <= summary["p99_ms"]


def test_qualifying_keeps_the_conversations_the_bot_follows(
    counting_bot: tuple[str, dict[str, list[str]]],
) -> None:
    url, _ = counting_bot
    talker = Talker("ours", url, [_script("good", ["a", "b"]), _script("bad", ["wrong", "b"])])
    talker.qualify()
    assert [s.name for s in talker.scripts] == ["good"]
    assert talker.excluded[0]["conversation"] == "bad" and "turn 1" in talker.excluded[0]["why"]
    assert len(talker.picked(5)) == 5


def test_the_stock_conversations_are_its_story_with_its_own_examples(tmp_path: Path) -> None:
    responses = {
        name: [{"text": name.upper()}]
        for name in ("utter_greet", "utter_cheer_up", "utter_did_that_help", "utter_happy", "utter_iamabot")
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "domain.yml").write_text(yaml.safe_dump({"responses": responses}), encoding="utf-8")
    nlu = {
        "nlu": [
            {"intent": "greet", "examples": "- hi\n- hello\n- hey\n"},
            {"intent": "mood_unhappy", "examples": "- sad\n"},
            {"intent": "affirm", "examples": "- yes\n"},
            {"intent": "bot_challenge", "examples": "- are you a bot?\n"},
        ]
    }
    (tmp_path / "data" / "nlu.yml").write_text(yaml.safe_dump(nlu), encoding="utf-8")
    scripts = stock_scripts(tmp_path)
    assert [[t.text for t in s.turns] for s in scripts][1] == ["hello", "sad", "yes", "are you a bot?"]
    cheer_up = scripts[0].turns[1].check
    assert cheer_up([{"text": "UTTER_CHEER_UP"}, {"image": "x"}, {"text": "UTTER_DID_THAT_HELP"}]) is None
    assert cheer_up([{"text": "UTTER_HAPPY"}]) is not None


def _run(conversations: int, p50: float, rate: float, cpu: float) -> dict[str, Any]:
    turn = {"turns": conversations, "p50_ms": p50, "p95_ms": p50 * 2, "p99_ms": p50 * 3}
    return {
        "conversations": conversations,
        "p50_ms": p50,
        "p99_ms": p50 * 3,
        "conversations_per_s": rate,
        "by_turn": [turn] * 4,
        "errors": 0,
        "cpu_ms_per_conversation": {"rasa": cpu, "actions": cpu / 4},
        "latencies_ms": [[p50] * conversations] * 4,
    }


def test_the_report_and_figure_of_multi_turn_conversations(tmp_path: Path) -> None:
    multiturn = {
        "bots": {
            "ours": {"conversations": 30, "turns_per_conversation": 4, "excluded": []},
            "stock": {"conversations": 9, "turns_per_conversation": 4, "excluded": []},
        },
        "runs": {
            "ours": {"1": _run(10, 40.0, 6.0, 120.0), "8": _run(16, 200.0, 8.0, 110.0)},
            "stock": {"1": _run(10, 20.0, 12.0, 80.0), "8": _run(16, 150.0, 10.0, 80.0)},
        },
    }
    ratios = report.multiturn_ratios(multiturn)
    assert ratios["1"] == {"p50": 2.0, "p99": 2.0, "throughput": 0.5, "cpu": 1.5}
    verdicts = {t["target"]: t["met"] for t in report.multiturn_targets(multiturn)}
    assert verdicts["multi-turn: turn median at concurrency 1, ours/stock ≤ 1.0"] is False
    assert verdicts["multi-turn: turn p99 at concurrency 8 ≤ 300 ms"] is False
    assert verdicts["multi-turn: errors (wrong answers included) = 0"] is True
    assert report.multiturn_targets({})[0]["met"] is None
    block = report.generated_block({"run": _run_info() | {"targets": []}, "multiturn": multiturn})
    assert "## Multi-turn conversations" in block and "| 1 | **ours/stock** |" in block
    assert plots.multiturn(multiturn, tmp_path / "m.png") == tmp_path / "m.png"
    assert (tmp_path / "m.png").read_bytes().startswith(b"\x89PNG")
    assert plots.multiturn({}, tmp_path / "none.png") is None


def _run_info() -> dict[str, Any]:
    return {
        "date": "2026-01-01T00:00:00+00:00",
        "mode": "quick",
        "duration_s": 1.0,
        "command": "python -m bot.bench --quick --parts multiturn",
        "cpu": "cpu",
        "cores": 2,
        "memory_gb": 1.0,
        "os": "Linux",
        "python": "3.10",
        "packages": {"rasa": "3.6.21", "rasa-sdk": "3.6.2"},
        "load_average_start": [1.0, 1.0, 1.0],
        "load_average_end": [1.0, 1.0, 1.0],
    }
