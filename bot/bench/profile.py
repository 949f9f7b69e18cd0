"""Where a turn's milliseconds go: py-spy samples each server while turns run, then sorts the samples.

py-spy (a sampling profiler that attaches to a running process) records collapsed
stacks of the Rasa server, the action server and the registry at once, during a
separate, untimed run (sampling slows the servers a little, so it never overlaps a
timed one). Each sample is put under the most specific part of the system its stack
names (DIET, Jieba, a policy, the tracker store, the registry client…); each part's
share of the samples then divides the CPU time per turn measured without sampling.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.ops.procs import Service

RATE_HZ = 100
# (part, substrings of a frame's file path), most specific first: a sample belongs to the first
# part that any frame of its stack names (DIET inside the processor inside Sanic is DIET's).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NLU: DIET classifier (TensorFlow)", ("/rasa/nlu/classifiers/diet", "/rasa/utils/tensorflow/")),
    # Before the tokenizer: the Jieba calls the matcher makes are the matcher's cost.
    ("NLU: registry matcher", ("/bot/nlu/registry_matcher", "/bot/nlu/retrieval")),
    ("NLU: tokenizer (Jieba)", ("/jieba/", "/bot/nlu/tokenizer", "/rasa/nlu/tokenizers/")),
    ("NLU: featurizers", ("/rasa/nlu/featurizers/",)),
    ("NLU: entity extractors, fallback", ("/rasa/nlu/extractors/", "/rasa/nlu/classifiers/fallback")),
    ("dialogue: policies", ("/rasa/core/policies/",)),
    (
        "Rasa: tracker store, event broker (SQL)",
        (
            "/rasa/core/brokers/",
            "/rasa/core/tracker_store",
            "/bot/ops/rasa_stores",
            "/bot/rasa_compat/sql_stores",
        ),
    ),
    ("Rasa: checking action replies (jsonschema)", ("/jsonschema/",)),
    ("Rasa: calling the action server", ("/rasa/core/actions/action.py", "/rasa/utils/endpoints")),
    ("dialogue: tracker, domain, events", ("/rasa/shared/core/",)),
    ("Rasa: model graph, processor", ("/rasa/engine/", "/rasa/core/processor", "/rasa/core/agent")),
    (
        "actions: registry client (our part; aiohttp's is under HTTP)",
        ("/bot/registry/async_client", "/bot/registry/api_calls", "/bot/registry/client", "/requests/"),
    ),
    ("actions: our code", ("/actions/", "/bot/nlu/", "/bot/render", "/bot/identity")),
    ("actions: rasa_sdk", ("/rasa_sdk/",)),
    ("registry: store (SQLAlchemy)", ("/bot/registry/store", "/sqlalchemy/", "/psycopg2/")),
    ("registry: checklist engine", ("/bot/registry/checklist", "/bot/registry/model")),
    ("registry: JSON encoding, validation", ("/fastapi/encoders", "/pydantic/", "/json/")),
    (
        "HTTP servers (Sanic, uvicorn, aiohttp)",
        ("/sanic", "/uvicorn/", "/starlette/", "/fastapi/", "/aiohttp/"),
    ),
)
OTHER = "other (asyncio, logging, Python runtime)"
# Samples of a thread that waits rather than works (py-spy cannot always tell): an event loop
# in its C poll, an idle pool thread, a blocking read. Reported apart, not as CPU time.
WAITING = "waiting (event loop poll, idle threads, socket reads)"
WAIT_LEAVES = (
    "asyncio_run (uvicorn/",
    "run_forever (",
    "run_until_complete (",
    "serve (sanic/server/runners.py",
    "_worker (concurrent/futures/thread.py",
    "wait (threading.py",
    "get (queue.py",
    "select (selectors.py",
    "readinto (socket.py",
)


def py_spy() -> str | None:
    """The py-spy executable next to this Python, or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _frame_file(frame: str) -> str:
    # py-spy's raw frames read "function (package/module.py:123)", the path relative to sys.path.
    return "/" + (frame.rsplit("(", 1)[-1] if "(" in frame else frame)


def part_of(stack: str) -> str:
    """The part of the system a collapsed stack (root first, ';'-separated) belongs to."""
    frames = stack.split(";")
    if frames[-1].startswith(WAIT_LEAVES):
        return WAITING
    paths = [_frame_file(frame) for frame in frames]
    for part, needles in PARTS:
        if any(n in path for path in paths for n in needles):
            return part
    return OTHER


def summarise(raw: Path) -> Counter[str]:
    """Samples per part from a py-spy ``--format raw`` file."""
    parts: Counter[str] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            parts[part_of(stack)] += int(count)
    return parts


@contextmanager
def sampling(services: list[Service], out_dir: Path) -> Iterator[dict[str, Path]]:
    """Sample every service while the body runs; yields service name → raw output file."""
    exe = py_spy()
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Path] = {}
    procs: list[subprocess.Popen] = []
    if exe is not None:
        for service in services:
            if service.process is None:
                continue
            out = out_dir / f"{service.name}.txt"
            argv = [exe, "record", "--pid", str(service.process.pid), "--rate", str(RATE_HZ)]
            # Not --nonblocking: without pausing the process py-spy cannot tell an idle thread.
            argv += ["--format", "raw", "--output", str(out)]
            log = (out_dir / f"{service.name}.py-spy.log").open("wb")
            procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
            outputs[service.name] = out
    try:
        yield outputs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def breakdown(outputs: dict[str, Path], turns: int, cpu_ms: dict[str, float]) -> dict[str, Any]:
    """Each part's share of a server's busy samples, and that share of the server's CPU time per
    turn as measured without the profiler (``cpu_ms``: /proc, the timed run at concurrency 1).

    Sampling pauses the process and inflates what it measures; its proportions hold, so the
    milliseconds are the measured CPU time divided in those proportions.
    """
    services: dict[str, Any] = {}
    for name, raw in outputs.items():
        if not raw.exists():
            services[name] = {"error": f"py-spy wrote no output (see {raw.with_suffix('.py-spy.log')})"}
            continue
        parts = summarise(raw)
        busy = sum(n for p, n in parts.items() if p != WAITING) or 1
        share = {p: round(n / busy, 4) for p, n in parts.most_common() if p != WAITING}
        measured = cpu_ms.get(name, 0.0)
        services[name] = {
            "samples": sum(parts.values()),
            "busy_samples": busy,
            "share": share,
            "measured_cpu_ms_per_turn": measured,
            "cpu_ms_per_turn": {p: round(f * measured, 2) for p, f in share.items()},
        }
    return {"rate_hz": RATE_HZ, "turns": turns, "services": services}
