"""``python -m bot web serve``: the demo portal, the widget and the staff console."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("web", help="the web server: demo portal, chat widget, staff console")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("serve", help="run the web server (setting web_port, default 8080)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from bot.web.app import serve

    serve()
    return 0
