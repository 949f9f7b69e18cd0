"""``python -m bot train`` and ``python -m bot identify``: the model, from data to answers."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.nlu.build import build_training_inputs
from bot.nlu.fingerprint import fingerprint_file, inputs_fingerprint, record_fingerprint, recorded_fingerprint
from bot.registry.files import load_registry
from bot.settings import ROOT, get_settings

if TYPE_CHECKING:
    from rasa.core.agent import Agent

MODELS = ROOT / "models"
# The environment of Rasa's own processes: no telemetry, and TensorFlow quiet.
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
TRAIN_ARGS = [
    "--config",
    "build/rasa/config.yml",
    "--domain",
    "build/rasa/domain",
    "--data",
    "data",
    "build/rasa/data",
]


def add_parsers(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("train", help="build registry-derived inputs and train the Rasa model")
    p.add_argument("--force", action="store_true", help="train even if nothing changed")
    p.add_argument("--out", type=Path, help="where models are kept (default: models/)")
    p.set_defaults(run=run_train)
    p = commands.add_parser(
        "validate", help="check the registry, the NLU data, domain and rules (no warnings allowed)"
    )
    p.set_defaults(run=run_validate)
    p = commands.add_parser(
        "identify", help="which scenario, matter or catalogue entry a text means (JSON out)"
    )
    p.add_argument("text", nargs="?", help="the text; or use --jsonl")
    p.add_argument("--jsonl", type=Path, help="one JSON object per line with a 'text' field ('-' for stdin)")
    p.add_argument("--model", type=Path, help="model archive (default: the newest in models/)")
    p.set_defaults(run=run_identify)
    p = commands.add_parser(
        "rerank", help="refit the candidate re-ranker (data/nlu/rerank.json) on the development sets"
    )
    p.add_argument("--model", type=Path, help="model archive (default: the newest in models/)")
    p.set_defaults(run=run_rerank)


def latest_model(directory: Path | None = None) -> Path | None:
    """The newest model archive in ``directory`` (models/ when None)."""
    models = sorted((directory or MODELS).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def prepare_inputs() -> dict[str, int]:
    registry_dir = get_settings().registry.dir
    return build_training_inputs(load_registry(registry_dir), registry_dir=registry_dir)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def train(force: bool = False, out: Path | None = None) -> Path:
    """Train unless the newest model in ``out`` (models/ when None) came from the same inputs
    (bot/nlu/fingerprint.py) or with ``force``; keep the newest two models there."""
    out = out or MODELS
    counts = prepare_inputs()
    print(
        f"[train] from the registry: {counts['scenarios']} scenario intents "
        f"(+{counts['scenarios_by_matcher_only']} by the matcher only), {counts['dictionary_words']} dictionary words, "
        f"{counts['material_names']} material names, {counts['synonym_sets']} synonym sets, "
        f"{counts['matter_phrases']} matter names, people's words for {counts['matters_with_phrases']} matters",
        flush=True,
    )
    fingerprint = inputs_fingerprint(TRAIN_ARGS)
    newest = latest_model(out)
    if not force and newest is not None and recorded_fingerprint(newest) == fingerprint:
        print(
            f"[train] nothing changed since {_shown(newest)}: using it "
            "(python -m bot train --force, or make train FORCE=1, trains anyway)",
            flush=True,
        )
        return newest
    started = time.monotonic()
    # `python -m bot validate` (run by `make test` before training) checks the data with
    # warnings as errors; training does not check it a second time.
    args = ["train", *TRAIN_ARGS, "--skip-validation", "--out", str(out), *(["--force"] if force else [])]
    if _rasa(*args).returncode != 0:
        raise RuntimeError("rasa train failed (see above)")
    model = latest_model(out)
    if model is None:
        raise RuntimeError("rasa train produced no model")
    record_fingerprint(model, fingerprint)
    for old in sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-2]:
        old.unlink()
        fingerprint_file(old).unlink(missing_ok=True)
    print(
        f"[train] done in {time.monotonic() - started:.0f}s: {_shown(model)} "
        f"({model.stat().st_size / 1e6:.1f} MB)",
        flush=True,
    )
    return model


def _rasa(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **RASA_ENV}
    return subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, env=env)


def said_by_actions(actions_dir: Path = ROOT / "actions") -> set[str]:
    """The domain responses the custom actions say (``response="utter_…"``)."""
    found = re.compile(r"[\"'](utter_\w+)[\"']")
    return {name for path in actions_dir.glob("*.py") for name in found.findall(path.read_text("utf-8"))}


def run_validate(args: argparse.Namespace) -> int:
    counts = prepare_inputs()
    print(f"[validate] registry OK, {counts['scenarios']} scenarios with training phrases", flush=True)
    # Rasa's validator sees only rules and stories, so it calls a response that only a custom
    # action says "not used in any story or rule": that warning, for those responses, is dropped.
    said = said_by_actions()
    env = {**os.environ, **RASA_ENV}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa", "data", "validate", *TRAIN_ARGS, "--fail-on-warnings"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        unused = re.search(r"The utterance '(\w+)' is not used in any story or rule", line)
        if not (unused and unused.group(1) in said):
            print(line, end="", flush=True)
    returncode = process.wait()
    print("[validate] " + ("clean: no errors, no warnings" if returncode == 0 else "FAILED"), flush=True)
    return returncode


def run_train(args: argparse.Namespace) -> int:
    train(force=args.force, out=args.out)
    return 0


def _texts(args: argparse.Namespace) -> Iterable[str]:
    if args.jsonl:
        handle = sys.stdin if str(args.jsonl) == "-" else args.jsonl.open(encoding="utf-8")
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise SystemExit(f"line {number}: expected a JSON object with a string 'text'") from None
            yield text
    elif args.text is not None:
        yield args.text
    else:
        raise SystemExit("give a text or --jsonl FILE")


def run_identify(args: argparse.Namespace) -> int:
    model = args.model or latest_model()
    if model is None or not Path(model).exists():
        print("no trained model: run 'python -m bot train' first", file=sys.stderr)
        return 2
    texts = list(_texts(args))
    for result in asyncio.run(identify_texts(texts, Path(model))):
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def run_rerank(args: argparse.Namespace) -> int:
    from bot.nlu.rerank import MODEL_FILE, fit_from_model

    model = args.model or latest_model()
    if model is None:
        print("no model: run `make train` first", file=sys.stderr)
        return 1
    fitted = fit_from_model(model)
    about = fitted.about
    print(
        f"[rerank] fitted on {about['messages']} messages ({about['candidates']} candidates) "
        f"with {model.name}: {MODEL_FILE.relative_to(ROOT)}"
    )
    return 0


def load_agent(model: Path) -> Agent:
    """The trained model in-process, with Rasa's logging kept off stdout (which carries our output)."""
    import logging

    import structlog

    logging.getLogger("rasa").setLevel(logging.ERROR)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    from rasa.core.agent import Agent

    return Agent.load(str(model))


def identification_dict(text: str, found: Any, parse: dict[str, Any]) -> dict[str, Any]:
    """One identification as JSON: the CLI's line, and what the evaluation reads."""
    entry = found.entry if found.decision in ("identified", "clarify") else None
    identified = found.decision == "identified"
    return {
        "text": text,
        "scenario": found.scenario if identified else None,
        "matter": found.matter if identified else None,
        "confidence": round(found.confidence, 4),
        "candidates": [
            {"id": c.id, "kind": c.kind, "name": c.name, "confidence": c.confidence} for c in found.candidates
        ],
        "decision": found.decision,
        "entry": None if entry is None else {"id": entry.id, "kind": entry.kind, "name": entry.name},
        "intent": (parse.get("intent") or {}).get("name"),
        "families": found.families,
    }


async def identify_texts(
    texts: list[str], model: Path, progress: Callable[[int, int], None] | None = None
) -> list[dict[str, Any]]:
    """Parse in-process with the trained model and apply the bot's own decision
    (``bot.nlu.intents.identify``); one dict per text, in order (see ``identification_dict``)."""

    from bot.nlu.intents import identify

    agent = load_agent(model)
    out = []
    for number, text in enumerate(texts, start=1):
        parse = await agent.parse_message(text)
        out.append(identification_dict(text, identify(parse), parse))
        if progress is not None:
            progress(number, len(texts))
    return out
