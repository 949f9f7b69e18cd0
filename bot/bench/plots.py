"""The figures of docs/benchmarks.md, drawn from the results JSON (matplotlib comes with Rasa).

Each function takes the same dictionaries the JSON files hold, so a figure can be
redrawn from kept results, and draws nothing for a section the run skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; chosen before pyplot is imported
import matplotlib.pyplot as plt
import numpy as np

COLOURS = {"ours": "#c0392b", "stock": "#7f8c8d", "sqlite": "#2471a3", "postgresql": "#1e8449"}
TURN_P99_TARGET_MS = 300
CHECKLIST_P99_TARGET_MS = 5


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _by_concurrency(runs: dict[str, Any]) -> tuple[list[int], list[dict[str, Any]]]:
    levels = sorted(runs, key=int)
    return [int(c) for c in levels], [runs[c] for c in levels]


def conversation(results: dict[str, Any], path: Path) -> Path | None:
    """Latency (median and p99) and throughput against concurrency, ours beside the stock bot."""
    if not results.get("turn"):
        return None
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, kind, title in (
        (axes[0], "turn", "Whole turn (REST webhook)"),
        (axes[1], "nlu", "NLU (/model/parse)"),
    ):
        for bot, runs in results[kind].items():
            levels, stats = _by_concurrency(runs)
            ax.plot(levels, [s["p50_ms"] for s in stats], "o-", color=COLOURS[bot], label=f"{bot} median")
            ax.plot(levels, [s["p99_ms"] for s in stats], "s--", color=COLOURS[bot], label=f"{bot} p99")
        if kind == "turn":
            ax.axhline(TURN_P99_TARGET_MS, color="black", lw=0.8, ls=":", label="p99 target at 8")
        ax.set(title=title, xlabel="concurrent clients", ylabel="latency (ms)", xscale="log", yscale="log")
        ax.set_xticks([1, 8, 32], labels=["1", "8", "32"])
        ax.legend(fontsize=8)
    for kind, marker in (("turn", "o-"), ("nlu", "^--")):
        for bot, runs in results[kind].items():
            levels, stats = _by_concurrency(runs)
            axes[2].plot(
                levels,
                [s["throughput_rps"] for s in stats],
                marker,
                color=COLOURS[bot],
                label=f"{bot} {kind}",
            )
    axes[2].set(title="Throughput", xlabel="concurrent clients", ylabel="requests per second", xscale="log")
    axes[2].set_xticks([1, 8, 32], labels=["1", "8", "32"])
    axes[2].legend(fontsize=8)
    return _save(fig, path)


def latency_cdf(results: dict[str, Any], path: Path, concurrency: str = "1") -> Path | None:
    """How a turn's latency is distributed at one concurrency: the whole curve, not three points."""
    turns = results.get("turn") or {}
    if not turns:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for bot, runs in turns.items():
        latencies = np.sort(np.asarray(runs[concurrency]["latencies_ms"]))
        if latencies.size:
            ax.plot(
                latencies, np.arange(1, latencies.size + 1) / latencies.size, color=COLOURS[bot], label=bot
            )
    ax.set(
        title=f"Whole turn latency at concurrency {concurrency}",
        xlabel="latency (ms, log)",
        ylabel="share of turns answered within",
        xscale="log",
    )
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def multiturn(results: dict[str, Any], path: Path) -> Path | None:
    """Whole conversations: each turn's median and p99 by its place in the conversation (one line per
    bot and concurrency), and the CPU a conversation costs in each server, ours beside the stock bot."""
    runs = results.get("runs") or {}
    if not runs:
        return None
    fig, (turns, cpu) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    for bot, by_c in runs.items():
        for level, style in zip(sorted(by_c, key=int), ("-", ":"), strict=False):
            stats = by_c[level]["by_turn"]
            places = list(range(1, len(stats) + 1))
            colour = COLOURS[bot]
            turns.plot(
                places,
                [s["p50_ms"] for s in stats],
                "o" + style,
                color=colour,
                label=f"{bot} median, c={level}",
            )
            turns.plot(
                places,
                [s["p99_ms"] for s in stats],
                "s" + style,
                color=colour,
                alpha=0.5,
                label=f"{bot} p99, c={level}",
            )
    turns.axhline(TURN_P99_TARGET_MS, color="black", lw=0.8, ls=":", label="p99 target at 8")
    turns.set(title="Latency by turn of the conversation", xlabel="turn", ylabel="latency (ms)", yscale="log")
    turns.set_xticks([1, 2, 3, 4])
    turns.legend(fontsize=7)
    turns.grid(alpha=0.3)
    level = "1" if all("1" in by_c for by_c in runs.values()) else min(next(iter(runs.values())), key=int)
    names = list(runs)
    servers = sorted({s for bot in names for s in runs[bot][level].get("cpu_ms_per_conversation") or {}})
    left = np.zeros(len(names))
    cmap = plt.get_cmap("tab10")
    for i, server in enumerate(servers):
        widths = np.array(
            [(runs[bot][level].get("cpu_ms_per_conversation") or {}).get(server, 0.0) for bot in names]
        )
        cpu.barh(names, widths, left=left, color=cmap(i), label=server)
        left += widths
    cpu.invert_yaxis()
    cpu.set(title=f"CPU per conversation (c={level})", xlabel="CPU ms per conversation")
    cpu.legend(fontsize=7)
    return _save(fig, path)


def _entries(run: dict[str, Any]) -> int:
    """A synthetic registry's size: every entry a person can ask for (scenarios only in older runs)."""
    return run.get("entries") or run["scenarios"]


def registry_scale(results: dict[str, Any], path: Path) -> Path | None:
    """Checklist latency against registry size, per database, at each concurrency measured."""
    runs = results.get("runs") or []
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for backend in sorted({r["backend"] for r in runs}):
        mine = sorted((r for r in runs if r["backend"] == backend), key=_entries)
        levels = sorted({load["concurrency"] for r in mine for load in r["loads"]})
        for level, style in zip(levels, ("-", ":"), strict=False):
            sizes = [_entries(r) for r in mine]
            loads = [next(x for x in r["loads"] if x["concurrency"] == level) for r in mine]
            colour = COLOURS.get(backend, "black")
            ax.plot(
                sizes,
                [x["p50_ms"] for x in loads],
                "o" + style,
                color=colour,
                label=f"{backend} median, c={level}",
            )
            ax.plot(
                sizes,
                [x["p99_ms"] for x in loads],
                "s" + style,
                color=colour,
                alpha=0.5,
                label=f"{backend} p99, c={level}",
            )
    ax.axhline(CHECKLIST_P99_TARGET_MS, color="black", lw=0.8, ls="--", label="p99 target")
    ax.set(
        title="POST /checklist against registry size",
        xlabel="entries in the registry: scenarios, matters, catalogue-only (1×, 10×, 100×)",
        ylabel="latency (ms)",
        xscale="log",
        yscale="log",
    )
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def profile(results: dict[str, Any], path: Path) -> Path | None:
    """CPU milliseconds per turn in each server, by part, for ours and for the stock bot."""
    rows: list[tuple[str, dict[str, float]]] = []
    for bot in ("ours", "stock"):
        for service, data in ((results.get(bot) or {}).get("services") or {}).items():
            if "cpu_ms_per_turn" in data:
                rows.append((f"{bot}: {service}", data["cpu_ms_per_turn"]))
    if not rows:
        return None
    parts = sorted({p for _, parts in rows for p in parts}, key=lambda p: -sum(r.get(p, 0) for _, r in rows))
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.7 * len(rows)))
    cmap = plt.get_cmap("tab20")
    left = np.zeros(len(rows))
    for i, part in enumerate(parts):
        widths = np.array([r.get(part, 0.0) for _, r in rows])
        ax.barh([name for name, _ in rows], widths, left=left, color=cmap(i % 20), label=part)
        left += widths
    ax.invert_yaxis()
    ax.set(title="Where a turn's CPU time goes (py-spy samples)", xlabel="CPU ms per turn")
    ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _save(fig, path)
