"""Identification at the real size: ``/model/parse`` of our model against today's, in one run.

*Today's model* is the project as it was before the registry held matters: the newest
commit of the history whose tree has no ``data/registry/matters`` (40 one-thing scenarios,
one intent each, their own phrases, no registry matcher). Its tree is exported from git
into the run's work directory (``git archive``: the working tree is not touched) and
trained there by its own code and config, exactly as ``make train`` trained it then.
*Ours* is the model the run trained from the working tree: the same kind of pipeline plus
the registry matcher, which ranks every scenario, matter and catalogue entry per message.

Both are served by the same ``rasa run --enable-api`` command with the same minimal
endpoints (no tracker store, no action server: a parse touches neither) and asked the
same messages, the held-out ones of ``make eval`` (scenarios and matters), at one client
in halves ordered ours, today, today, ours, so a drift in the machine's load weighs on
both alike. Each answer is checked for what the model must say (an intent; for ours also
the registry ranking); whether it is the *right* entry is ``make eval``'s business.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.bench.conversation import Bot, Probe, compare
from bot.bench.footprint import peak_rss_mb, service_rss_mb
from bot.bench.load import Call, run_load
from bot.bench.progress import stage
from bot.bench.servers import API_TOKEN, RASA_ENV, Timed, newest_model, run_logged
from bot.bench.synthetic import catalogue_entries
from bot.ops.procs import Service, free_port
from bot.settings import ROOT

# The held-out messages of `make eval`, written apart from any training data.
MESSAGE_FILES = (ROOT / "tests" / "eval" / "heldout.jsonl", ROOT / "tests" / "eval" / "heldout_matters.jsonl")
# What marks the project as it was before the whole portal came in: no ordinary matters in the registry.
TODAY_MARK = "data/registry/matters"
REGISTRY_KEY = "registry"
HOW_TODAY = (
    "the project at commit {commit} (the newest without data/registry/matters: {scenarios} one-thing "
    "scenarios, one intent each with its own phrases, no registry matcher), exported with git archive "
    "and trained by its own code and config"
)


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def today_commit(ref: str = "HEAD") -> str:
    """The newest commit reachable from ``ref`` whose tree has no ordinary matters."""
    listed = _git("rev-list", "--first-parent", ref)
    if listed.returncode:
        raise RuntimeError(f"git rev-list failed: {listed.stderr.strip()}")
    for commit in listed.stdout.split():
        if _git("cat-file", "-e", f"{commit}:{TODAY_MARK}").returncode:
            return commit
    raise RuntimeError(f"no commit before {TODAY_MARK} existed")


def export_tree(commit: str, target: Path) -> Path:
    """The files of ``commit`` in ``target`` (replaced), by ``git archive``: no checkout."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait():
        raise RuntimeError(f"git archive {commit} failed")
    return target


def tree_env(tree: Path) -> dict[str, str]:
    """The environment for running a tree's own code: its packages first on the path, and none
    of our ``ONCEONLY_*`` settings (its defaults are relative to its own root)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCEONLY_")}
    return {**env, **RASA_ENV, "PYTHONPATH": str(tree)}


# Run in the exported tree with its own code: build its training inputs, print its training arguments.
_PREPARE = (
    "import json, bot, bot.nlu.cli as c; c.prepare_inputs(); "
    "print(json.dumps({'args': c.TRAIN_ARGS, 'package': bot.__file__}))"
)


def train_today(tree: Path, out: Path, log: Path) -> Timed:
    """Today's model, trained from scratch in its own tree as its ``make train`` did."""
    env = tree_env(tree)
    prepared = subprocess.run(
        [sys.executable, "-c", _PREPARE], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if prepared.returncode:
        raise RuntimeError(f"preparing today's training inputs failed:\n{prepared.stderr[-2000:]}")
    facts = json.loads(prepared.stdout.strip().splitlines()[-1])
    if not Path(facts["package"]).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"today's tree imported the working tree's code ({facts['package']})")
    # Absolute: the command runs in the tree, where a relative path would mean another place.
    argv = [sys.executable, "-m", "rasa", "train", *facts["args"], "--out", str(out.resolve()), "--force"]
    return run_logged(argv, log, tree, "training today's model", env=env)


def _minimal_config(work: Path) -> tuple[Path, Path]:
    """Endpoints with nothing in them and the REST channel only, the same for both servers."""
    work.mkdir(parents=True, exist_ok=True)
    endpoints, credentials = work / "endpoints.yml", work / "credentials.yml"
    endpoints.write_text("# a parse needs no tracker store, event broker or action server\n{}\n")
    credentials.write_text("rest:\n")
    return endpoints, credentials


def parse_server(name: str, model: Path, cwd: Path, work: Path, env: dict[str, str] | None = None) -> Service:
    """``rasa run`` serving ``model`` with its API, from the project directory ``cwd``."""
    endpoints, credentials = _minimal_config(work)
    port = free_port()
    argv = [
        *(sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port)),
        *("--enable-api", "--auth-token", API_TOKEN),
        *("--endpoints", str(endpoints), "--credentials", str(credentials)),
    ]
    return Service(
        name,
        argv,
        f"http://127.0.0.1:{port}",
        work / "logs" / f"{name}-rasa.log",
        health_path="/status?token=" + API_TOKEN,
        env=env or dict(RASA_ENV),
        cwd=cwd,
    )


def messages(files: tuple[Path, ...] = MESSAGE_FILES, seed: int = 11) -> list[str]:
    """Every held-out text once, in a seeded shuffle: a timed run that uses only the first few
    hundred still mixes scenario and matter messages, short and long, as the files hold them."""
    texts: dict[str, None] = {}
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            text = (json.loads(line) if line.strip() else {}).get("text")
            if text:
                texts.setdefault(text, None)
    shuffled = list(texts)
    random.Random(seed).shuffle(shuffled)
    return shuffled


def check_ours(payload: Any) -> str | None:
    """Our parse names an intent and carries the registry matcher's ranking."""
    if not ((payload or {}).get("intent") or {}).get("name"):
        return "no intent"
    ranking = ((payload or {}).get(REGISTRY_KEY) or {}).get("ranking")
    return None if isinstance(ranking, list) else "no registry ranking in the parse"


def check_today(payload: Any) -> str | None:
    return None if ((payload or {}).get("intent") or {}).get("name") else "no intent"


@dataclass
class Parser(Bot):
    """A model behind ``/model/parse`` whose answers are checked by ``check`` (not by intent)."""

    check: Any = None

    def nlu_call(self, probe: Probe) -> Call:
        return Call(f"{self.url}/model/parse?token={API_TOKEN}", {"text": probe.text}, self.check)


def _training(timed: Timed, model: Path) -> dict[str, Any]:
    return {
        "seconds": round(timed.seconds, 1),
        "cpu_seconds": round(timed.cpu_seconds, 1),
        "model": model.name,
        "model_mb": round(model.stat().st_size / 1e6, 1),
    }


def _scenario_count(tree: Path) -> int:
    return len(list((tree / "data" / "registry" / "scenarios").glob("*.yml")))


def registry_entries(directory: Path = ROOT / "data" / "registry") -> dict[str, int]:
    """What the matcher ranks per message: scenarios, matters, catalogue-only entries (from the files)."""
    catalogue = catalogue_entries(directory / "catalogue.yml")
    counts = {
        "scenarios": _scenario_count(directory.parent.parent),
        "matters": len(list((directory / "matters").glob("*.yml"))),
        "catalogue_only": sum(1 for e in catalogue if not e.get("matter")),
    }
    return counts | {"total": sum(counts.values())}


def run_identification(
    work: Path, our_model: Path, requests: int, warmup: int, reuse: bool = False
) -> dict[str, Any]:
    """Train today's model (or reuse the last run's), serve it beside ours, time the parses.

    Without the project's git history (an exported copy) there is no today's model: the part
    is reported as skipped, with the reason."""
    try:
        commit = today_commit()
    except (RuntimeError, OSError) as exc:
        print(f"[bench] identification skipped: {exc}", flush=True)
        return {"skipped": f"no today's model to compare with ({exc})"}
    tree, models = work / "today" / "tree", work / "today" / "models"
    out: dict[str, Any] = {"requests_per_model": requests, "concurrency": 1}
    if reuse and models.exists() and tree.exists():
        today_model = newest_model(models)
    else:
        with stage(f"today's model: exporting commit {commit[:10]}"):
            export_tree(commit, tree)
        shutil.rmtree(models, ignore_errors=True)
        trained = train_today(tree, models, work / "logs" / "train-today.log")
        if trained.returncode:
            raise RuntimeError(f"training today's model failed; see {trained.log}")
        today_model = newest_model(models)
        out["training_today"] = _training(trained, today_model)
    out["today"] = {
        "commit": commit,
        "how": HOW_TODAY.format(commit=commit[:10], scenarios=_scenario_count(tree)),
        "model": today_model.name,
        "model_mb": round(today_model.stat().st_size / 1e6, 1),
    }
    out["ours"] = {
        "model": our_model.name,
        "model_mb": round(our_model.stat().st_size / 1e6, 1),
        "entries_ranked": registry_entries(),
    }
    available = messages()
    if not available:
        raise RuntimeError(f"no held-out messages in {', '.join(str(p) for p in MESSAGE_FILES)}")
    # Each half of a timed run asks the first requests/2 messages (conversation.compare).
    texts = available[: max(1, requests // 2)]
    out["messages"], out["messages_available"] = len(texts), len(available)

    served = work / "ident"
    ours = parse_server("ours", our_model, ROOT, served)
    today = parse_server("today", today_model, tree, served, tree_env(tree))
    try:
        with stage("starting our model and today's model for /model/parse"):
            ours.start()
            today.start()
            ours.wait_ready(600)
            today.wait_ready(600)
        bots = [
            Parser(name, s.url, [Probe(t, "", check) for t in texts], [s], check=check)
            for name, s, check in (("ours", ours, check_ours), ("today", today, check_today))
        ]
        with stage("parsing every message once with each model (warm-up)"):
            for bot in bots:
                tried = run_load(f"warm-up {bot.name}", bot.calls("nlu", len(texts), "q"), 1, quiet=True)
                out[bot.name]["warmup_errors"] = tried.error_count
                out[bot.name]["warmup_error_examples"] = tried.error_examples
        with stage(f"/model/parse: ours and today's, {requests} messages each at one client"):
            measured = compare(bots[0], bots[1], "nlu", {1: requests}, warmup)
        out["nlu"] = {name: {str(c): r.to_json() for c, r in by_c.items()} for name, by_c in measured.items()}
        out["rss_mb"] = {"ours": service_rss_mb(ours), "today": service_rss_mb(today)}
        out["peak_rss_mb"] = {"ours": peak_rss_mb(ours), "today": peak_rss_mb(today)}
    finally:
        ours.stop()
        today.stop()
    return out
