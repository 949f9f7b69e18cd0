"""docs/benchmarks.md and its JSON: the figures, the targets beside them, and the verdicts.

The markdown's measured part sits between two markers and is rewritten by every
run; what people write outside the markers (the reading of the figures) is kept.
Verdicts are computed, never typed, so a re-run on a quiet machine updates them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.bench import plots

BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"
TITLE = "# Benchmarks\n\nLatency, throughput, scale and footprint, measured by `make bench` (issue 5).\n"
SECTIONS = ("run", "conversation", "registry", "footprint", "profile")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def ratios(conversation: dict[str, Any], kind: str) -> dict[str, dict[str, float | None]]:
    """Ours over stock at each concurrency: median, p99 (lower is better), throughput (higher)."""
    ours, stock = conversation[kind]["ours"], conversation[kind]["stock"]
    return {
        c: {
            "p50": _ratio(ours[c]["p50_ms"], stock[c]["p50_ms"]),
            "p99": _ratio(ours[c]["p99_ms"], stock[c]["p99_ms"]),
            "throughput": _ratio(ours[c]["throughput_rps"], stock[c]["throughput_rps"]),
        }
        for c in ours
        if c in stock
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue 5 with its measured value and whether it is met (None: not measured)."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: Any, met: bool | None) -> None:
        out.append({"target": name, "measured": value, "met": met})

    conv = results.get("conversation") or {}
    if conv.get("turn"):
        r = ratios(conv, "turn")
        add("whole turn median at concurrency 1, ours/stock ≤ 1.0", r["1"]["p50"], r["1"]["p50"] <= 1.0)
        for c in sorted((c for c in r if c != "1"), key=int):
            good = r[c]["throughput"] >= 1.0
            add(f"turn throughput at concurrency {c}, ours/stock ≥ 1.0", r[c]["throughput"], good)
        if "8" in r:
            p99 = conv["turn"]["ours"]["8"]["p99_ms"]
            add("whole turn p99 at concurrency 8 ≤ 300 ms", f"{p99:.0f} ms", p99 <= 300)
        errors = sum(
            run["errors"] for kind in ("turn", "nlu") for bot in conv[kind].values() for run in bot.values()
        )
        add("errors (wrong answers included) = 0", errors, errors == 0)
    else:
        for name in (
            "whole turn median, ours/stock ≤ 1.0",
            "turn throughput ≥ stock",
            "turn p99 at 8 ≤ 300 ms",
        ):
            add(name, None, None)
    runs = (results.get("registry") or {}).get("runs") or []
    largest = [r for r in runs if r["factor"] == max(x["factor"] for x in runs)]
    for run in largest:
        p99 = next(x["p99_ms"] for x in run["loads"] if x["concurrency"] == 1)
        add(
            f"checklist p99 at {run['factor']}× on {run['backend']} < 5 ms (concurrency 1)",
            f"{p99:.2f} ms",
            p99 < 5,
        )
    foot = results.get("footprint") or {}
    trained = ((foot.get("training") or {}).get("ours") or {}).get("seconds")
    add(
        "full training ≤ 3 min",
        None if trained is None else f"{trained:.0f} s",
        None if trained is None else trained <= 180,
    )
    rss = ((foot.get("rss_mb_after_load") or {}).get("ours") or {}).get("rasa")
    add(
        "Rasa server RSS ≤ 1.2 GB",
        None if rss is None else f"{rss:.0f} MB",
        None if rss is None else rss <= 1200,
    )
    return out


def _run_lines(run: dict[str, Any]) -> list[str]:
    pk = run["packages"]
    return [
        f"- **When**: {run['date']} ({run['mode']} run, {run['duration_s']:.0f} s); command `{run['command']}`.",
        f"- **Machine**: {run['cpu']}, {run['cores']} cores, {run['memory_gb']} GB RAM, {run['os']}; "
        f"Python {run['python']}, Rasa {pk.get('rasa')}, rasa-sdk {pk.get('rasa-sdk')}.",
        f"- **Load average** (1, 5, 15 min) at the start: {', '.join(map(str, run['load_average_start']))}; "
        f"at the end: {', '.join(map(str, run['load_average_end']))}. Other people's work on this machine "
        "inflates absolute figures; the ratios to the stock bot, measured in the same run in interleaved "
        "halves, and the CPU milliseconds per request are the figures that noise disturbs least.",
    ]


def _target_lines(results: dict[str, Any]) -> list[str]:
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    for t in results["run"]["targets"]:
        value = "–" if t["measured"] is None else t["measured"]
        lines.append(f"| {t['target']} | {value} | {_verdict(t['met'])} |")
    return lines


def _load_table(conv: dict[str, Any], kind: str) -> list[str]:
    r = ratios(conv, kind)
    lines = [
        "| clients | bot | requests | median ms | p95 ms | p99 ms | req/s | errors | CPU ms/request (server: ms) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in sorted(conv[kind]["ours"], key=int):
        for bot in ("ours", "stock"):
            s = conv[kind][bot][c]
            cpu = ", ".join(f"{k} {v:g}" for k, v in s.get("cpu_ms_per_request", {}).items()) or "–"
            lines.append(
                f"| {c} | {bot} | {s['requests']} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | {_ms(s['p99_ms'])} "
                f"| {s['throughput_rps']:.1f} | {s['errors']} | {cpu} |"
            )
        lines.append(
            f"| {c} | **ours/stock** | | **{r[c]['p50']}** | | **{r[c]['p99']}** | **{r[c]['throughput']}** | | |"
        )
    return lines


def _conversation_lines(conv: dict[str, Any]) -> list[str]:
    if not conv.get("turn"):
        return ["Not measured in this run (smoke mode starts no Rasa server)."]
    bots = conv["bots"]
    lines = [
        f"Our model `{bots['ours']['model']}` against the stock bot `{bots['stock']['model']}`. A turn of ours "
        f"is one held-out message naming a matter answered in one turn; its reply must carry the checklist card "
        f"equal to the registry's ({bots['ours']['messages']} messages used, {len(bots['ours']['excluded'])} left "
        f"out because the model does not resolve them to their matter; listed in the JSON). A stock turn is one "
        f"of its own greet/goodbye/bot_challenge examples, whose reply must be its domain response "
        f"({bots['stock']['messages']} used). Every request is a new conversation (new sender id).",
        "",
        "### Whole turn through `/webhooks/rest/webhook`",
        "",
        *_load_table(conv, "turn"),
        "",
        "### NLU only: `POST /model/parse`",
        "",
        *_load_table(conv, "nlu"),
        "",
        "![latency and throughput](benchmarks/conversation.png)",
        "",
        "![turn latency distribution](benchmarks/turn_latency_cdf.png)",
    ]
    return lines


def _registry_lines(registry: dict[str, Any]) -> list[str]:
    runs = registry.get("runs") or []
    if not runs:
        return ["Not measured in this run."]
    lines = [
        "Each request is checked against the checklist computed in-process from the same data. "
        "*Data path*: the same requests without HTTP (the store's queries and the checklist engine, "
        "in the benchmark's process): what grows with the registry, apart from the web framework.",
        "",
        "| database | size | scenarios | requirements | citizen-file rows | start s | RSS MB | clients "
        "| median ms | p95 ms | p99 ms | req/s | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: (r["backend"], r["factor"])):
        size = (
            f"| {r['backend']} | {r['factor']}× | {r['scenarios']:,} | {r['requirements']:,} "
            f"| {r['citizen_file_rows']:,} | {r['startup_s']:.1f} | {r['rss_mb']} "
        )
        for load in r["loads"]:
            lines.append(
                f"{size}| {load['concurrency']} | {_ms(load['p50_ms'])} | {_ms(load['p95_ms'])} "
                f"| {_ms(load['p99_ms'])} | {load['throughput_rps']:.0f} | {load['errors']} |"
            )
        path = r.get("data_path")
        if path:
            lines.append(
                f"{size}| data path | {_ms(path['p50_ms'])} | {_ms(path['p95_ms'])} | {_ms(path['p99_ms'])} | | |"
            )
    for backend, why in (registry.get("skipped") or {}).items():
        lines.append(f"\n{backend}: skipped ({why}).")
    lines += ["", "![checklist latency against registry size](benchmarks/registry_scale.png)"]
    return lines


def _footprint_lines(foot: dict[str, Any]) -> list[str]:
    lines = ["| what | ours | stock `rasa init` |", "|---|---|---|"]
    training = foot.get("training") or {}
    for what, key, unit in (
        ("full training, wall time", "seconds", "s"),
        ("full training, CPU time (all threads)", "cpu_seconds", "s"),
        ("model archive", "model_mb", "MB"),
    ):
        ours, stock = (training.get(b, {}).get(key) for b in ("ours", "stock"))
        lines.append(
            f"| {what} | {'–' if ours is None else f'{ours:.0f} {unit}'} | {'–' if stock is None else f'{stock:.0f} {unit}'} |"
        )
    rss = foot.get("rss_mb_after_load") or {}
    for service in ("rasa", "actions", "registry", "web"):
        ours, stock = rss.get("ours", {}).get(service), rss.get("stock", {}).get(service)
        if ours is not None or stock is not None:
            lines.append(
                f"| RSS of the {service} server after the load | {'–' if ours is None else f'{ours:.0f} MB'} "
                f"| {'–' if stock is None else f'{stock:.0f} MB'} |"
            )
    return lines


def _profile_lines(profile: dict[str, Any]) -> list[str]:
    if not profile:
        return ["Not measured in this run."]
    lines = [
        f"py-spy sampled every server at {profile['ours']['rate_hz']} Hz during {profile['ours']['turns']} "
        "extra turns at concurrency 1 (not the timed ones: sampling pauses a server and slows it). Each "
        "part's share of a server's busy samples divides that server's CPU time per turn as measured in the "
        "timed run at concurrency 1 (from /proc); time spent waiting (for another server, the disk, idle) "
        "is not CPU time and is left out.",
        "",
        "| server (CPU ms per turn) | part | share | ≈ CPU ms per turn |",
        "|---|---|---|---|",
    ]
    for bot in ("ours", "stock"):
        for service, data in (profile.get(bot) or {}).get("services", {}).items():
            total = data.get("measured_cpu_ms_per_turn")
            for part, ms in (data.get("cpu_ms_per_turn") or {}).items():
                share = data["share"][part]
                lines.append(f"| {bot}: {service} ({total:g}) | {part} | {share:.0%} | {ms:g} |")
    lines += ["", "![where a turn's CPU time goes](benchmarks/profile.png)"]
    return lines


def generated_block(results: dict[str, Any]) -> str:
    lines = [
        BEGIN,
        "",
        "## This run",
        "",
        *_run_lines(results["run"]),
        "",
        "## Targets (issue 5)",
        "",
        *_target_lines(results),
        "",
        "## Conversation: ours against a stock `rasa init` bot",
        "",
        *_conversation_lines(results.get("conversation") or {}),
        "",
        "## Registry: `POST /checklist` against registry size",
        "",
        *_registry_lines(results.get("registry") or {}),
        "",
        "## Footprint",
        "",
        *_footprint_lines(results.get("footprint") or {}),
        "",
        "## Where a turn's milliseconds go",
        "",
        *_profile_lines(results.get("profile") or {}),
        "",
        "Raw results (every latency of every request): "
        + ", ".join(
            f"[`benchmarks/{name}.json`](benchmarks/{name}.json)" for name in SECTIONS if results.get(name)
        )
        + ".",
        "",
        END,
    ]
    return "\n".join(lines)


def write(results: dict[str, Any], out: Path) -> Path:
    """Write ``out/benchmarks/*.json``, the figures, and ``out/benchmarks.md`` (hand-written text kept)."""
    data_dir = out / "benchmarks"
    data_dir.mkdir(parents=True, exist_ok=True)
    results["run"]["targets"] = targets(results)
    for name in SECTIONS:
        if results.get(name):
            text = json.dumps(results[name], ensure_ascii=False, indent=1)
            (data_dir / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    conv = results.get("conversation") or {}
    plots.conversation(conv, data_dir / "conversation.png")
    plots.latency_cdf(conv, data_dir / "turn_latency_cdf.png")
    plots.registry_scale(results.get("registry") or {}, data_dir / "registry_scale.png")
    plots.profile(results.get("profile") or {}, data_dir / "profile.png")
    md = out / "benchmarks.md"
    block = generated_block(results)
    existing = md.read_text(encoding="utf-8") if md.exists() else TITLE + "\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in existing and END in existing:
        head, rest = existing.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = existing.rstrip("\n") + "\n\n" + block + "\n"
    md.write_text(text, encoding="utf-8")
    return md
