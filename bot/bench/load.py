"""The load generator: a fixed number of JSON POSTs at a fixed concurrency, every answer checked.

Our own, on asyncio and aiohttp (installed with Rasa), because a benchmark that only
counts HTTP 200s would time a bot that answers wrongly as fast as one that answers
right: each :class:`Call` carries the check of its own answer. It runs a warm-up first
(not timed), then the timed calls, and reports median, p95, p99 and throughput.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np

from bot.bench.footprint import CpuMeter
from bot.bench.progress import Progress

# A check returns None when the answer is right, else a short description of what is wrong.
Check = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Call:
    """One request and how to tell whether its answer is correct."""

    url: str
    body: Any
    check: Check
    headers: dict[str, str] | None = None


@dataclass
class LoadResult:
    """What one timed run measured; latencies in milliseconds, in completion order."""

    label: str
    concurrency: int
    requests: int
    wall_s: float
    latencies_ms: list[float]
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    # CPU milliseconds each server spent per request (bot.bench.footprint.CpuMeter), when measured.
    cpu_ms_per_request: dict[str, float] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> dict[str, Any]:
        """The figures the report quotes (the raw latencies stay in the JSON beside them)."""
        return {
            "label": self.label,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "wall_s": round(self.wall_s, 3),
            "throughput_rps": round(self.requests / self.wall_s, 2) if self.wall_s else None,
            **latency_stats(self.latencies_ms),
            "errors": self.error_count,
            "errors_by_kind": dict(self.errors),
            "error_examples": self.error_examples,
            "cpu_ms_per_request": self.cpu_ms_per_request,
        }

    def to_json(self) -> dict[str, Any]:
        return self.summary() | {"latencies_ms": [round(x, 3) for x in self.latencies_ms]}


def latency_stats(latencies_ms: Sequence[float]) -> dict[str, float | None]:
    """Median, p95, p99, mean and max (linear interpolation between ranks)."""
    if not latencies_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}
    values = np.asarray(latencies_ms, dtype=float)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 3),
        "p95_ms": round(float(p95), 3),
        "p99_ms": round(float(p99), 3),
        "mean_ms": round(float(values.mean()), 3),
        "max_ms": round(float(values.max()), 3),
    }


async def timed_post(session: aiohttp.ClientSession, call: Call, timeout: float) -> tuple[float, str | None]:
    """One call: (latency in ms, None or the kind of error: 'http', 'timeout' or 'wrong: …')."""
    started = time.perf_counter()
    try:
        async with session.post(
            call.url, json=call.body, headers=call.headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as r:
            payload = await r.json(content_type=None) if r.status == 200 else await r.text()
            elapsed = (time.perf_counter() - started) * 1000
            if r.status != 200:
                return elapsed, f"http {r.status}: {str(payload)[:120]}"
    except asyncio.TimeoutError:
        return (time.perf_counter() - started) * 1000, "timeout"
    except (aiohttp.ClientError, ValueError) as exc:
        return (time.perf_counter() - started) * 1000, f"http {exc.__class__.__name__}: {exc}"[:160]
    problem = call.check(payload)
    return elapsed, None if problem is None else f"wrong: {problem}"[:200]


async def _run(
    label: str, calls: Sequence[Call], concurrency: int, timeout: float, progress: Progress | None
) -> LoadResult:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    examples: list[str] = []
    queue = iter(calls)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for call in queue:  # a shared iterator: each call is taken by exactly one worker
                elapsed, problem = await timed_post(session, call, timeout)
                latencies.append(elapsed)
                if problem is not None:
                    errors[problem.split(":")[0]] += 1
                    if len(examples) < 3:
                        examples.append(problem)
                if progress is not None:
                    progress.step()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return LoadResult(label, concurrency, len(calls), wall, latencies, dict(errors), examples)


def run_load(
    label: str,
    calls: Sequence[Call],
    concurrency: int,
    warmup: Sequence[Call] = (),
    timeout: float = 30.0,
    quiet: bool = False,
    meter: CpuMeter | None = None,
) -> LoadResult:
    """Warm up (untimed, errors ignored), then time ``calls`` at ``concurrency``; prints one line.

    With ``meter``, the servers' CPU time per request over the timed calls (not the warm-up)."""
    if warmup:
        asyncio.run(_run(label + " warm-up", warmup, min(concurrency, len(warmup)), timeout, None))
    progress = None if quiet else Progress(f"{label} c={concurrency}", len(calls))
    if meter is not None:
        meter.start()
    result = asyncio.run(_run(label, calls, concurrency, timeout, progress))
    if meter is not None:
        result.cpu_ms_per_request = meter.per_request(len(calls))
    s = result.summary()
    if not quiet:
        print(
            f"[bench] {label:<22} c={concurrency:<3} n={len(calls):<5} p50 {s['p50_ms']:8.2f} ms  "
            f"p99 {s['p99_ms']:8.2f} ms  {s['throughput_rps']:7.1f}/s  errors {result.error_count}"
            + "".join(f"  {name} CPU {ms:g} ms/req" for name, ms in result.cpu_ms_per_request.items()),
            flush=True,
        )
    return result
