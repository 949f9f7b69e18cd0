"""``python -m bot users …``: staff accounts from the command line, above all the first administrator.

    python -m bot users add NAME --role admin        # asks for the password twice
    printf '%s\\n' "$PW" | python -m bot users add NAME --role editor --password-stdin
    python -m bot users add NAME --role hotline --one-time   # prints a one-time password
    python -m bot users list
    python -m bot users passwd NAME [--password-stdin | --one-time]
    python -m bot users disable NAME | enable NAME | sign-out NAME

It opens the console's database (setting ``console_db_url``) as the web server does, so it works
beside a running server; every change is recorded with the actor ``命令行``. A password never
goes on the command line itself (shell history, ``ps``): it is typed at a prompt or read from
standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from bot.accounts.roles import ROLE_LABELS, ROLES

if TYPE_CHECKING:
    from bot.accounts.manage import Management

ACTOR = "命令行"


def add_parser(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="staff accounts: the first administrator, passwords, roles")
    sub = users.add_subparsers(dest="users_command", required=True)

    def with_password(parser: argparse.ArgumentParser) -> None:
        given = parser.add_mutually_exclusive_group()
        given.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        given.add_argument(
            "--one-time", action="store_true", help="make a one-time password (changed at first sign-in)"
        )

    add = sub.add_parser("add", help="create an account (the first administrator: --role admin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display", default="", help="the person's name as shown (default: the account name)")
    with_password(add)
    add.set_defaults(run=run_add)
    sub.add_parser("list", help="every account, its role and state").set_defaults(run=run_list)
    passwd = sub.add_parser("passwd", help="set someone's password (their sessions end)")
    passwd.add_argument("name")
    with_password(passwd)
    passwd.set_defaults(run=run_passwd)
    for command, what, run in (
        ("disable", "disable an account (its sessions end)", run_disable),
        ("enable", "enable a disabled account", run_enable),
        ("sign-out", "end every session of an account", run_sign_out),
    ):
        one = sub.add_parser(command, help=what)
        one.add_argument("name")
        one.set_defaults(run=run)


def _management() -> Management:
    """The accounts (imported here: ``python -m bot --help`` need not load SQLAlchemy)."""
    from bot.accounts.manage import Management
    from bot.accounts.store import AccountStore
    from bot.settings import get_settings

    return Management(AccountStore(get_settings().console_store_url))


def read_password(args: argparse.Namespace) -> str | None:
    """The password to set: from standard input, typed twice at a prompt, or None for a one-time one."""
    if args.one_time:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password: use --password-stdin or --one-time")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("the two passwords differ")
    return first


def _refused(exc: Exception) -> int:
    print(f"refused: {getattr(exc, 'message', exc)}", file=sys.stderr)
    return 1


def run_add(args: argparse.Namespace) -> int:
    from bot.jsonapi import ApiError

    password = read_password(args)
    try:
        created = _management().create(ACTOR, args.name, args.role, args.display, password)
    except ApiError as exc:
        return _refused(exc)
    print(f"[users] created {created.account.name} ({ROLE_LABELS[created.account.role]})")
    if created.password:
        print(f"[users] one-time password (shown once; changed at first sign-in): {created.password}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    management = _management()
    sessions = management.store.session_counts()
    for account in management.store.all():
        state = "active" if account.active else "disabled"
        flags = [
            flag
            for flag, on in (
                ("must change password", account.must_change_password),
                ("development", account.development),
            )
            if on
        ]
        created = datetime.fromtimestamp(account.created).strftime("%Y-%m-%d")
        print(
            f"{account.name}\t{account.role}\t{state}\t{sessions.get(account.name, 0)} session(s)\t"
            f"created {created} by {account.created_by}" + (f"\t({', '.join(flags)})" if flags else "")
        )
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from bot.jsonapi import ApiError

    password = read_password(args)
    try:
        one_time = _management().set_password(ACTOR, args.name, password)
    except ApiError as exc:
        return _refused(exc)
    print(f"[users] password of {args.name} set; its sessions ended")
    if one_time:
        print(f"[users] one-time password (shown once; changed at first sign-in): {one_time}")
    return 0


def _set_active(name: str, active: bool) -> int:
    from bot.jsonapi import ApiError

    try:
        account = _management().set_active(ACTOR, name, active)
    except ApiError as exc:
        return _refused(exc)
    print(f"[users] {account.name} {'enabled' if account.active else 'disabled; its sessions ended'}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    return _set_active(args.name, False)


def run_enable(args: argparse.Namespace) -> int:
    return _set_active(args.name, True)


def run_sign_out(args: argparse.Namespace) -> int:
    from bot.jsonapi import ApiError

    try:
        ended = _management().sign_out_everywhere(ACTOR, args.name)
    except ApiError as exc:
        return _refused(exc)
    print(f"[users] {ended} session(s) of {args.name} ended")
    return 0
