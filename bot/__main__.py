"""``python -m bot``: the project's command line (registry, NLU, whole stack)."""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def main(argv: list[str] | None = None) -> int:
    from bot.accounts import cli as users_cli
    from bot.nlu import cli as nlu_cli
    from bot.privacy import cli as privacy_cli
    from bot.registry import cli as registry_cli
    from bot.report import cli as report_cli
    from bot.web import cli as web_cli

    parser = argparse.ArgumentParser(prog="python -m bot", description="onceonly: 一件事材料指引")
    commands = parser.add_subparsers(dest="command", required=True)
    registry_cli.add_parser(commands)
    nlu_cli.add_parsers(commands)
    web_cli.add_parser(commands)
    privacy_cli.add_parser(commands)
    report_cli.add_parser(commands)
    users_cli.add_parser(commands)
    run = commands.add_parser("run", help="start the whole system (registry, actions, Rasa, web)")
    run.add_argument("--no-train", action="store_true", help="use the newest model as it is")
    run.set_defaults(
        run=lambda a: __import__("bot.ops.stack", fromlist=["run"]).run(train_first=not a.no_train)
    )
    args = parser.parse_args(argv)
    from bot.settings import DevelopmentValuesInProduction

    try:
        return args.run(args)
    except DevelopmentValuesInProduction as exc:
        print(f"refusing to start: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
