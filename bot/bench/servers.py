"""The servers a benchmark measures, started as ``make run`` starts them, on free ports.

Our system comes from :class:`~bot.ops.stack.Stack` itself (so what is measured is
what runs); the registry alone is the same stack cut down to its registry; the stock
bot is ``rasa init --no-prompt``, created and trained in a directory of the run's own
and served by the same ``rasa run`` command with the same options.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.nlu.cli import RASA_ENV
from bot.ops.procs import Service, free_port
from bot.ops.stack import Stack, settings_on_free_ports
from bot.settings import ROOT, Settings

API_TOKEN = "bench-rasa-token"
REGISTRY_TOKEN = "bench-registry-token"


class RegistryOnly(Stack):
    """Only the registry service of a :class:`Stack`: same command, settings and health check.

    The model is never used (no Rasa server starts), so any path will do.
    """

    def _services(self) -> list[Service]:
        return [s for s in super()._services() if s.name == "registry"]


def registry_settings(var_dir: Path, registry_dir: Path, db_url: str) -> Settings:
    return settings_on_free_ports(
        var_dir, registry_dir=registry_dir, registry_db_url=db_url, registry_token=REGISTRY_TOKEN
    )


def our_settings(var_dir: Path) -> Settings:
    return settings_on_free_ports(var_dir, rasa_api_token=API_TOKEN, registry_token=REGISTRY_TOKEN)


@dataclass(frozen=True)
class Timed:
    """A command's wall time, its CPU time (its own and its children's: less disturbed by other
    people's load than the wall time), whether it succeeded; its output went to ``log``."""

    seconds: float
    returncode: int
    log: Path
    cpu_seconds: float = 0.0


def run_logged(argv: list[str], log: Path, cwd: Path, what: str, env: dict[str, str] | None = None) -> Timed:
    """Run a long command with its output in a log, printing a line every 15 s while it runs
    (``env``: its whole environment; by default ours with Rasa's quiet settings)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"[bench] {what} (log: {log}) …", flush=True)
    started = time.monotonic()
    cpu_before = _children_cpu_s()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env or {**os.environ, **RASA_ENV}
        )
        report_at = 15.0
        while proc.poll() is None:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if elapsed >= report_at:
                report_at += 15
                print(f"[bench]   {what}: {elapsed:.0f}s", flush=True)
    elapsed = time.monotonic() - started
    print(f"[bench] {what}: {'done' if proc.returncode == 0 else 'FAILED'} in {elapsed:.0f}s", flush=True)
    return Timed(elapsed, proc.returncode, log, _children_cpu_s() - cpu_before)


def _children_cpu_s() -> float:
    """CPU seconds of every child process this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# What Rasa logs when it quietly falls back from the configured tracker store, event broker,
# lock store or channel to a default: a benchmark of that stack would measure another system.
FALLBACK_SIGNS = ("could not be found", "not found. Using", "Traceback (most recent call last)")


def check_configuration(service: Service) -> None:
    """Refuse to measure a Rasa server that did not load what its endpoints name."""
    try:
        log = service.log_path.read_text(errors="replace")
    except OSError:
        return
    signs = [line.strip() for line in log.splitlines() if any(s in line for s in FALLBACK_SIGNS)]
    if signs:
        raise RuntimeError(
            f"{service.name} started without parts of its configuration; not measuring it:\n"
            + "\n".join(signs[:5])
        )


def newest_model(directory: Path) -> Path:
    models = sorted(directory.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no model in {directory}")
    return models[-1]


def train_ours(out: Path, log: Path) -> Timed:
    """Full training of our model from scratch (``--force``) into ``out``, not into models/."""
    from bot.nlu.cli import TRAIN_ARGS, prepare_inputs

    prepare_inputs()
    argv = [
        sys.executable,
        "-m",
        "rasa",
        "train",
        *TRAIN_ARGS,
        "--skip-validation",
        "--out",
        str(out),
        "--force",
    ]
    return run_logged(argv, log, ROOT, "training our model")


def init_stock(project: Path, log: Path) -> Timed:
    """``rasa init --no-prompt``: the stock project, trained with its default config."""
    project.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)]
    return run_logged(argv, log, project, "creating and training the stock rasa init bot")


def stock_server(project: Path, model: Path, log_dir: Path) -> Service:
    """The stock bot under the same ``rasa run`` options as ours (REST, API with a token, CORS)."""
    port = free_port()
    argv = [
        *(sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port)),
        *("--enable-api", "--auth-token", API_TOKEN, "--cors", "*"),
        *("--endpoints", str(project / "endpoints.yml"), "--credentials", str(project / "credentials.yml")),
    ]
    return Service(
        "rasa",  # named as our Rasa server is, so the two read side by side in the results
        argv,
        f"http://127.0.0.1:{port}",
        log_dir / "stock-rasa.log",
        health_path="/status?token=" + API_TOKEN,
        env=RASA_ENV,
        cwd=project,
    )
