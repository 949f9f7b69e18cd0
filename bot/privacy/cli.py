"""``python -m bot privacy purge``: the retention job."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:
    privacy = commands.add_parser("privacy", help="personal data: retention purge")
    sub = privacy.add_subparsers(dest="privacy_command", required=True)
    purge = sub.add_parser("purge", help="delete conversations idle for more than retention_days")
    purge.add_argument("--days", type=int, help="override the setting retention_days")
    purge.set_defaults(run=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    from bot.privacy.retention import purge
    from bot.settings import get_settings

    settings = get_settings()
    if args.days is not None:
        settings = settings.replace(retention_days=args.days)
    done = purge(settings)
    print(
        f"[privacy] purged {done.conversations} conversation(s) idle > {settings.privacy.retention_days} days ({done.rows} rows)"
    )
    return 0
