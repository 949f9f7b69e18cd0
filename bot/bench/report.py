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
TITLE = "# Benchmarks\n\nLatency, throughput, scale and footprint, measured by `make bench`.\n"
SECTIONS = (
    "run",
    "conversation",
    "multiturn",
    "scaled",
    "identification",
    "registry",
    "footprint",
    "profile",
)
# Identification over the whole portal may cost at most this many times the parse of the 40-scenario model.
PARSE_RATIO_TARGET = 2.0
RASA_RSS_TARGET_MB = 1200
TRAINING_TARGET_S = 180
# The checklist path must not grow with the registry: the data path's median at the largest
# size over its median at the real size (a ratio, so the machine's load cancels).
GROWTH_TARGET = 1.5
# The scaled stack's turns/s per replica over the embedded stack's, in the same run ("close to" it: the
# scaled stack does more per turn by design, a network round trip to PostgreSQL and Redis).
SCALED_TARGET = 0.8


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


def ident_ratios(ident: dict[str, Any]) -> dict[str, float | None]:
    """Ours over today's model for ``/model/parse`` at one client (lower is better; throughput higher)."""
    ours, today = ident["nlu"]["ours"]["1"], ident["nlu"]["today"]["1"]
    return {
        "p50": _ratio(ours["p50_ms"], today["p50_ms"]),
        "p99": _ratio(ours["p99_ms"], today["p99_ms"]),
        "throughput": _ratio(ours["throughput_rps"], today["throughput_rps"]),
    }


def growth(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per database: the data path's median at the largest size over the real size's (1×)."""
    out: dict[str, dict[str, Any]] = {}
    for backend in sorted({r["backend"] for r in runs}):
        mine = {r["factor"]: r for r in runs if r["backend"] == backend and r.get("data_path")}
        if 1 in mine and max(mine) > 1:
            top = max(mine)
            out[backend] = {
                "factor": top,
                "p50": _ratio(mine[top]["data_path"]["p50_ms"], mine[1]["data_path"]["p50_ms"]),
                "p99": _ratio(mine[top]["data_path"]["p99_ms"], mine[1]["data_path"]["p99_ms"]),
            }
    return out


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target (a turn as fast as a stock bot, the portal's size) with its value and whether it is met."""
    out: list[dict[str, Any]] = []

    def add(name: str, value: Any, met: bool | None) -> None:
        out.append({"target": name, "measured": value, "met": met})

    conv = results.get("conversation") or {}
    if conv.get("turn"):
        r = ratios(conv, "turn")
        median = r["1"]["p50"]  # None when a side measured nothing: not measured rather than a crash
        add(
            "whole turn median at concurrency 1, ours/stock ≤ 1.0",
            median,
            None if median is None else median <= 1.0,
        )
        for c in sorted((c for c in r if c != "1"), key=int):
            ratio = r[c]["throughput"]
            good = None if ratio is None else ratio >= 1.0
            add(f"turn throughput at concurrency {c}, ours/stock ≥ 1.0", ratio, good)
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
    out += multiturn_targets(results.get("multiturn") or {})
    out += scaled_targets(results.get("scaled") or {})
    runs = (results.get("registry") or {}).get("runs") or []
    largest = [r for r in runs if r["factor"] == max(x["factor"] for x in runs)]
    for run in largest:
        p99 = next(x["p99_ms"] for x in run["loads"] if x["concurrency"] == 1)
        add(
            f"checklist p99 at {run['factor']}× on {run['backend']} < 5 ms (concurrency 1)",
            f"{p99:.2f} ms",
            p99 < 5,
        )
    for backend, g in growth(runs).items():
        add(
            f"checklist path does not grow: data-path median at {g['factor']}× / at 1× on {backend} "
            f"≤ {GROWTH_TARGET}",
            g["p50"],
            None if g["p50"] is None else g["p50"] <= GROWTH_TARGET,
        )
    ident = results.get("identification") or {}
    if ident.get("nlu"):
        parse = ident_ratios(ident)
        for stat in ("p50", "p99"):
            ratio = parse[stat]
            add(
                f"/model/parse {stat} at the real size, ours/today's model ≤ {PARSE_RATIO_TARGET:g} (one client)",
                ratio,
                None if ratio is None else ratio <= PARSE_RATIO_TARGET,
            )
    else:
        add(f"/model/parse p50 and p99, ours/today's model ≤ {PARSE_RATIO_TARGET:g}", None, None)
    foot = results.get("footprint") or {}
    trained = ((foot.get("training") or {}).get("ours") or {}).get("seconds")
    add(
        "full training ≤ 3 min",
        None if trained is None else f"{trained:.0f} s",
        None if trained is None else trained <= TRAINING_TARGET_S,
    )
    rss = ((foot.get("rss_mb_after_load") or {}).get("ours") or {}).get("rasa")
    what = "Rasa server RSS ≤ 1.2 GB"
    if rss is None and (ident.get("rss_mb") or {}).get("ours") is not None:
        rss, what = ident["rss_mb"]["ours"], "Rasa server RSS ≤ 1.2 GB (parse-only server)"
    add(
        what,
        None if rss is None else f"{rss:.0f} MB",
        None if rss is None else rss <= RASA_RSS_TARGET_MB,
    )
    return out


def multiturn_ratios(multiturn: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Ours over stock for whole conversations at each concurrency: turn median and p99, conversations
    per second, and the CPU a conversation costs (all servers together)."""
    ours, stock = multiturn["runs"]["ours"], multiturn["runs"]["stock"]
    return {
        c: {
            "p50": _ratio(ours[c]["p50_ms"], stock[c]["p50_ms"]),
            "p99": _ratio(ours[c]["p99_ms"], stock[c]["p99_ms"]),
            "throughput": _ratio(ours[c]["conversations_per_s"], stock[c]["conversations_per_s"]),
            "cpu": _ratio(_cpu_total(ours[c]), _cpu_total(stock[c])),
        }
        for c in ours
        if c in stock
    }


def _cpu_total(run: dict[str, Any]) -> float | None:
    values = (run.get("cpu_ms_per_conversation") or {}).values()
    return round(sum(values), 2) if values else None


def multiturn_targets(multiturn: dict[str, Any]) -> list[dict[str, Any]]:
    """The whole-turn targets again, for conversations of several turns (None when not measured)."""
    if not multiturn.get("runs"):
        return [
            {
                "target": "multi-turn conversations: turn median ours/stock ≤ 1.0",
                "measured": None,
                "met": None,
            }
        ]
    r = multiturn_ratios(multiturn)
    out = []
    median = r.get("1", {}).get("p50")
    out.append(
        {
            "target": "multi-turn: turn median at concurrency 1, ours/stock ≤ 1.0",
            "measured": median,
            "met": None if median is None else median <= 1.0,
        }
    )
    for c in sorted((c for c in r if c != "1"), key=int):
        ratio = r[c]["throughput"]
        out.append(
            {
                "target": f"multi-turn: conversations per second at concurrency {c}, ours/stock ≥ 1.0",
                "measured": ratio,
                "met": None if ratio is None else ratio >= 1.0,
            }
        )
    if "8" in multiturn["runs"]["ours"]:
        p99 = multiturn["runs"]["ours"]["8"]["p99_ms"]
        out.append(
            {
                "target": "multi-turn: turn p99 at concurrency 8 ≤ 300 ms",
                "measured": f"{p99:.0f} ms",
                "met": p99 <= 300,
            }
        )
    errors = sum(run["errors"] for bot in multiturn["runs"].values() for run in bot.values())
    out.append(
        {"target": "multi-turn: errors (wrong answers included) = 0", "measured": errors, "met": errors == 0}
    )
    return out


def _multiturn_lines(multiturn: dict[str, Any]) -> list[str]:
    if not multiturn.get("runs"):
        return [
            "Not measured in this run (`--parts multiturn` serves both bots and has whole conversations)."
        ]
    bots, r = multiturn["bots"], multiturn_ratios(multiturn)
    ours = bots["ours"]
    lines = [
        f"A conversation of ours has {ours['turns_per_conversation']} turns: the person describes their "
        "situation (a held-out phrase of a scenario with two situation questions), answers the two questions "
        "the bot asks by typing an option offered, gets the checklist card (equal to the registry's for those "
        f"answers) and asks which departments handle it ({ours['conversations']} conversations used, "
        f"{len(ours['excluded'])} left out because the bot reads the description otherwise: another "
        "entry, or an answer taken from its words; listed in the JSON). A "
        'stock conversation is its own story (greet, unhappy, affirm) and its rule for "are you a bot?" '
        f"({bots['stock']['conversations']} used), each reply its domain's response. Each conversation has a "
        "sender of its own; turn *n* is the *n*-th message of a conversation. *CPU ms per conversation*: all "
        "the servers a conversation passes through.",
        "",
        "| clients | bot | conversations | turn 1 median ms | turn 2 | turn 3 | turn 4 | all turns median ms "
        "| p99 ms | conversations/s | errors | CPU ms per conversation (server: ms) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in sorted(multiturn["runs"]["ours"], key=int):
        for bot in ("ours", "stock"):
            s = multiturn["runs"][bot][c]
            turns = [_ms(t["p50_ms"]) for t in s["by_turn"]] + ["–"] * (4 - len(s["by_turn"]))
            cpu = ", ".join(f"{k} {v:g}" for k, v in (s.get("cpu_ms_per_conversation") or {}).items()) or "–"
            rate = s["conversations_per_s"]
            lines.append(
                f"| {c} | {bot} | {s['conversations']} | {' | '.join(turns[:4])} | {_ms(s['p50_ms'])} "
                f"| {_ms(s['p99_ms'])} | {'–' if rate is None else f'{rate:.1f}'} | {s['errors']} | {cpu} |"
            )
        x = r[c]
        lines.append(
            f"| {c} | **ours/stock** | | | | | | **{x['p50']}** | **{x['p99']}** | **{x['throughput']}** | "
            f"| **{x['cpu']}** |"
        )
    lines += ["", "![multi-turn conversations](benchmarks/multiturn.png)"]
    return lines


def scaled_targets(scaled: dict[str, Any]) -> list[dict[str, Any]]:
    """The scaled stack per replica against the embedded one (bot/bench/scaled.py), None when not measured."""
    name = f"scaled stack: turns/s per replica at concurrency 8, scaled/embedded ≥ {SCALED_TARGET:g}"
    if not scaled.get("runs"):
        return [{"target": name, "measured": None, "met": None}]
    ratio = (scaled["ratios"].get("8") or {}).get("turns_per_s")
    errors = sum(run["errors"] for stack in scaled["runs"].values() for run in stack.values())
    return [
        {"target": name, "measured": ratio, "met": None if ratio is None else ratio >= SCALED_TARGET},
        {
            "target": "scaled stack: errors (wrong answers included) = 0",
            "measured": errors,
            "met": errors == 0,
        },
    ]


SCALED_PROCESSES = ("rasa", "actions", "registry", "postgres", "redis", "nginx")


def _scaled_lines(scaled: dict[str, Any]) -> list[str]:
    if not scaled.get("runs"):
        return ["Not measured in this run (`--parts scaled` starts both stacks and has whole conversations)."]
    runs, r = scaled["runs"], scaled["ratios"]
    lines = [
        "The embedded stack (SQLite tracker store and registry, Rasa's in-memory lock store) and the scaled "
        "one with 1 Rasa server and 1 action server behind nginx (PostgreSQL tracker store, event broker and "
        "registry, Redis lock store), both from this run's model and running side by side, have the same "
        f"multi-turn conversations ({scaled['conversations']} distinct ones of "
        f"{scaled['turns_per_conversation']} turns, as in the multi-turn section; every reply checked) in "
        "interleaved halves. With one replica of each, turns/s is the figure per replica. *CPU ms per turn*: "
        "of each process the turns pass through (PostgreSQL: every backend of its cluster).",
        "",
        "| clients | stack | conversations | turns | turns/s | turn median ms | p99 ms | errors | "
        + " | ".join(f"CPU {p}" for p in SCALED_PROCESSES)
        + " | CPU total ms/turn |",
        "|---|---|---|---|---|---|---|---|" + "---|" * (len(SCALED_PROCESSES) + 1),
    ]
    for c in sorted(runs.get("embedded") or {}, key=int):
        for stack in ("embedded", "scaled"):
            s = runs[stack][c]
            cpu = s["cpu_ms_per_turn"]
            cells = " | ".join("–" if p not in cpu else f"{cpu[p]:g}" for p in SCALED_PROCESSES)
            rate = s["turns_per_s"]
            lines.append(
                f"| {c} | {stack} | {s['conversations']} | {s['turns']} | {'–' if rate is None else f'{rate:.1f}'} "
                f"| {_ms(s['p50_ms'])} | {_ms(s['p99_ms'])} | {s['errors']} | {cells} | {s['cpu_ms_per_turn_total']:g} |"
            )
        x = r.get(c) or {}
        lines.append(
            f"| {c} | **scaled/embedded** | | | **{x.get('turns_per_s')}** | **{x.get('p50')}** | "
            f"**{x.get('p99')}** | |" + " |" * len(SCALED_PROCESSES) + f" **{x.get('cpu')}** |"
        )
    lines += ["", *_scaled_difference(runs)]
    return lines


def _pooled_cpu(runs: dict[str, Any], key: str) -> dict[str, float]:
    """CPU ms per turn of each process over every concurrency of one stack (weighted by turns): more
    turns than any one run, so a clock tick (10 ms) weighs less."""
    turns = sum(r["turns"] for r in runs.values())
    spent: dict[str, float] = {}
    for r in runs.values():
        for name, ms in (r.get(key) or {}).items():
            spent[name] = spent.get(name, 0.0) + ms * r["turns"]
    return {name: round(ms / turns, 2) for name, ms in spent.items()} if turns else {}


def _scaled_difference(runs: dict[str, Any]) -> list[str]:
    """Where the extra CPU of a scaled turn goes: scaled minus embedded, process by process."""
    if not runs.get("embedded") or not runs.get("scaled"):
        return []
    mine, theirs = (
        _pooled_cpu(runs["scaled"], "cpu_ms_per_turn"),
        _pooled_cpu(runs["embedded"], "cpu_ms_per_turn"),
    )
    diff = {p: round(mine.get(p, 0.0) - theirs.get(p, 0.0), 2) for p in {*mine, *theirs}}
    parts = ", ".join(f"{p} {v:+g}" for p, v in sorted(diff.items(), key=lambda kv: (-abs(kv[1]), kv[0])))
    total = round(sum(mine.values()) - sum(theirs.values()), 2)
    databases = _pooled_cpu(runs["scaled"], "postgres_cpu_ms_per_turn_by_database")
    by_database = ", ".join(f"{db} {ms:g}" for db, ms in sorted(databases.items(), key=lambda kv: -kv[1]))
    return [
        f"Where the difference goes (CPU ms per turn over all the turns above, scaled − embedded): {total:+g} "
        f"in all: {parts}."
        + (f" PostgreSQL's by database (ms per turn): {by_database}." if by_database else "")
        + " On the embedded stack Rasa's SQLite tracker store works inside Rasa's process; on the scaled one"
        " that work is PostgreSQL's."
    ]


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
        return ["Not measured in this run (the smoke run, or `--parts` without it, starts no Rasa server)."]
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


def _n(value: Any) -> str:
    return "–" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _size_lines(runs: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| database | size | scenarios | matters | catalogue entries | materials | requirements "
        "| citizen-file rows | load s | start s | RSS MB | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: (r["backend"], r["factor"])):
        load_s = r.get("load_s")
        lines.append(
            f"| {r['backend']} | {r['factor']}× | {_n(r['scenarios'])} | {_n(r.get('matters'))} "
            f"| {_n(r.get('catalogue'))} | {_n(r.get('materials'))} | {_n(r['requirements'])} "
            f"| {_n(r['citizen_file_rows'])} | {'–' if load_s is None else f'{load_s:.1f}'} "
            f"| {r['startup_s']:.1f} | {r['rss_mb']} | {_n(r.get('peak_rss_mb'))} |"
        )
    return lines


def _latency_row(head: str, what: str, s: dict[str, Any], rate: bool = True) -> str:
    rps = f"{s['throughput_rps']:.0f}" if rate and s.get("throughput_rps") else ""
    errors = s.get("errors", "") if rate else ""
    cpu = (s.get("cpu_ms_per_request") or {}).get("registry") if rate else None
    return (
        f"{head}| {what} | {s.get('requests', '')} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} "
        f"| {_ms(s['p99_ms'])} | {rps} | {errors} | {'' if cpu is None else f'{cpu:g}'} |"
    )


def _registry_lines(registry: dict[str, Any]) -> list[str]:
    runs = registry.get("runs") or []
    if not runs:
        return ["Not measured in this run."]
    lines = [
        "Copy *i* of the synthetic registry repeats every scenario, matter, catalogue entry and material "
        "of the real one under new ids (1× is the real registry); the requests are drawn over scenarios "
        "and matters alike, in the proportion the registry holds them, half of them for a citizen with a "
        "file. Each answer is checked against the checklist computed in-process from the same data. "
        "*load s*: reading and validating the registry files (in the benchmark's process); *start s*: "
        "the registry service from launch to healthy on an empty registry (loading the files and filling "
        "the tables: a cold start); RSS after the requests, and its peak (the start's high-water mark).",
        "",
        *_size_lines(runs),
        "",
        "*Data path*: the same requests without HTTP (the store's queries and the checklist engine, in "
        "the benchmark's process): what grows with the registry, apart from the web framework. The "
        "*scenario* and *matter* rows split the one-client requests by the kind of guide asked for. "
        "*CPU ms/request*: the registry server's CPU time per request (from /proc), which other people's "
        "load on the machine disturbs far less than the latencies.",
        "",
        "| database | size | clients | requests | median ms | p95 ms | p99 ms | req/s | errors | CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(runs, key=lambda r: (r["backend"], r["factor"])):
        head = f"| {r['backend']} | {r['factor']}× "
        for load in r["loads"]:
            lines.append(_latency_row(head, str(load["concurrency"]), load))
            for kind, s in (load.get("by_kind") or {}).items():
                lines.append(_latency_row(head, f"{load['concurrency']}: {kind}", s, rate=False))
        path = r.get("data_path")
        if path:
            lines.append(_latency_row(head, "data path", path, rate=False))
            for kind, s in (path.get("by_kind") or {}).items():
                lines.append(_latency_row(head, f"data path: {kind}", s, rate=False))
    grown = growth(runs)
    if grown:
        lines.append("")
        lines += [
            f"Growth on {backend}: the data path's median at {g['factor']}× is {g['p50']} times the real "
            f"size's (p99: {g['p99']} times); target ≤ {GROWTH_TARGET}: the checklist reads a guide, its "
            "materials and a citizen's file by key, so its cost must not follow the number of entries."
            for backend, g in grown.items()
        ]
    for backend, why in (registry.get("skipped") or {}).items():
        lines.append(f"\n{backend}: skipped ({why}).")
    lines += ["", "![checklist latency against registry size](benchmarks/registry_scale.png)"]
    return lines


def _ident_lines(ident: dict[str, Any], foot: dict[str, Any]) -> list[str]:
    if ident.get("skipped"):
        return [f"Not measured in this run: {ident['skipped']}."]
    if not ident.get("nlu"):
        return ["Not measured in this run (the smoke run, or `--parts` without it, starts no Rasa server)."]
    ours, today = ident["nlu"]["ours"]["1"], ident["nlu"]["today"]["1"]
    r = ident_ratios(ident)
    rss, peak = ident.get("rss_mb") or {}, ident.get("peak_rss_mb") or {}
    training = foot.get("training") or {}
    entries = ident["ours"].get("entries_ranked") or {}
    lines = [
        f"*Today's model*: {ident['today']['how']}. *Ours*: the model this run trained from the working tree, "
        f"whose registry matcher ranks all {_n(entries.get('total'))} entries for every message "
        f"({_n(entries.get('scenarios'))} scenarios, {_n(entries.get('matters'))} matters, "
        f"{_n(entries.get('catalogue_only'))} catalogue-only entries). Both are served by the same "
        f"`rasa run --enable-api` with the same minimal endpoints and asked the same {ident['messages']} "
        f"held-out messages of `make eval` (a seeded draw from the {_n(ident.get('messages_available'))} of "
        "tests/eval/heldout.jsonl and heldout_matters.jsonl: scenarios and matters, short and long), "
        f"{ident['requests_per_model']} parses each at one client, in halves ordered ours, today's, today's, "
        "ours. Each answer is checked only for what the model must say (an intent; for ours also the "
        "registry ranking): which entry is right is `make eval`'s measure (docs/eval/).",
        "",
        "| model | parses | median ms | p95 ms | p99 ms | req/s | errors | CPU ms/parse | RSS MB (peak) "
        "| model MB | full training s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label, s in (("ours", "ours", ours), ("today", "today's", today)):
        cpu = ", ".join(f"{v:g}" for v in (s.get("cpu_ms_per_request") or {}).values()) or "–"
        trained = (training.get(name) or {}).get("seconds")
        lines.append(
            f"| {label} | {s['requests']} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | {_ms(s['p99_ms'])} "
            f"| {s['throughput_rps']:.1f} | {s['errors']} | {cpu} | {_mb(rss.get(name), '')} "
            f"({_mb(peak.get(name), '')}) "
            f"| {ident[name]['model_mb']} | {'–' if trained is None else f'{trained:.0f}'} |"
        )
    lines.append(
        f"| **ours/today's** | | **{r['p50']}** | | **{r['p99']}** | **{r['throughput']}** | | | | | |"
    )
    ours_trained = (training.get("ours") or {}).get("seconds")
    today_trained = (training.get("today") or {}).get("seconds")
    lines += [
        "",
        f"- **Parse latency.** Ours takes {r['p50']} times today's median ({_ms(ours['p50_ms'])} against "
        f"{_ms(today['p50_ms'])} ms) and {r['p99']} times its p99 ({_ms(ours['p99_ms'])} against "
        f"{_ms(today['p99_ms'])} ms); target ≤ {PARSE_RATIO_TARGET:g} times: "
        f"{_verdict(_at_most(r['p50'], PARSE_RATIO_TARGET) and _at_most(r['p99'], PARSE_RATIO_TARGET))}. "
        f"In CPU time a parse costs {_cpu(ours)} ms against {_cpu(today)} ms: what ours adds is the "
        "matcher's ranking of every entry, and a larger vocabulary and set of labels for DIET "
        '("NLU: registry matcher" in the profile below gives the matcher\'s share of a turn).',
        f"- **Memory.** The Rasa server serving our model holds {_mb(rss.get('ours'))} after the parses "
        f"(today's: {_mb(rss.get('today'))}); target ≤ {RASA_RSS_TARGET_MB / 1000:g} GB: "
        f"{_verdict(_at_most(rss.get('ours'), RASA_RSS_TARGET_MB))}. The footprint table below has the "
        "whole system's servers.",
        f"- **Training.** Full training from scratch on this machine: ours {_seconds(ours_trained)}, today's "
        f"{_seconds(today_trained)}; target ≤ {TRAINING_TARGET_S // 60} min: "
        f"{_verdict(_at_most(ours_trained, TRAINING_TARGET_S))}.",
    ]
    return lines


def _mb(value: float | None, unit: str = " MB") -> str:
    return "–" if value is None else f"{value:.0f}{unit}"


def _seconds(value: float | None) -> str:
    return "not measured in this run" if value is None else f"{value:.0f} s"


def _cpu(stats: dict[str, Any]) -> str:
    """The serving Rasa server's CPU milliseconds per request (one server per model here)."""
    values = list((stats.get("cpu_ms_per_request") or {}).values())
    return "–" if not values else f"{sum(values):g}"


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _footprint_lines(foot: dict[str, Any]) -> list[str]:
    training = foot.get("training") or {}
    today = "today" in training
    lines = [
        "| what | ours | stock `rasa init` |" + (" today's model |" if today else ""),
        "|---|---|---|" + ("---|" if today else ""),
    ]
    for what, key, unit in (
        ("full training, wall time", "seconds", "s"),
        ("full training, CPU time (all threads)", "cpu_seconds", "s"),
        ("model archive", "model_mb", "MB"),
    ):
        values = [training.get(b, {}).get(key) for b in ("ours", "stock", *(("today",) if today else ()))]
        lines.append(
            f"| {what} | " + " | ".join("–" if v is None else f"{v:.0f} {unit}" for v in values) + " |"
        )
    rss = foot.get("rss_mb_after_load") or {}
    for service in ("rasa", "actions", "registry", "web"):
        ours, stock = rss.get("ours", {}).get(service), rss.get("stock", {}).get(service)
        if ours is not None or stock is not None:
            lines.append(
                f"| RSS of the {service} server after the load | {'–' if ours is None else f'{ours:.0f} MB'} "
                f"| {'–' if stock is None else f'{stock:.0f} MB'} |" + (" – |" if today else "")
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
        "## Targets",
        "",
        *_target_lines(results),
        "",
        "## Conversation: ours against a stock `rasa init` bot",
        "",
        *_conversation_lines(results.get("conversation") or {}),
        "",
        "## Multi-turn conversations: ours against the stock bot's stories",
        "",
        *_multiturn_lines(results.get("multiturn") or {}),
        "",
        "## Scaled stack per replica: against the embedded stack",
        "",
        *_scaled_lines(results.get("scaled") or {}),
        "",
        "## Identification at the real size: ours against today's model",
        "",
        *_ident_lines(results.get("identification") or {}, results.get("footprint") or {}),
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
    plots.multiturn(results.get("multiturn") or {}, data_dir / "multiturn.png")
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
