"""The accounts as the web server opens them: the store, the development administrator, and
production's refusal of it.

``make run`` must land people on a working console with nothing to configure, so in
development a system with no account at all gets ``admin`` / ``dev-admin-password`` (printed,
and listed by ``python -m bot users list`` as the development account). Production
(``ONCEONLY_ENV=production``) never makes one and refuses to start while one is still active,
exactly as it refuses the other development secrets (bot/settings.py); there the first
administrator comes from ``python -m bot users add NAME --role admin``.
"""

from __future__ import annotations

from bot.accounts import passwords
from bot.accounts.manage import DEVELOPMENT_ADMIN, DEVELOPMENT_PASSWORD, Management
from bot.accounts.sessions import Sessions
from bot.accounts.store import AccountStore
from bot.settings import PREFIX, DevelopmentValuesInProduction, Settings

FIRST_ADMIN = "python -m bot users add NAME --role admin"


def development_accounts(store: AccountStore) -> list[str]:
    return [account.name for account in store.all() if account.development and account.active]


def open_accounts(settings: Settings) -> Sessions:
    """The accounts and their sessions for the web server (migrated, and checked for the mode)."""
    store = AccountStore(settings.console_store_url)
    if settings.production:
        found = development_accounts(store)
        if found:
            raise DevelopmentValuesInProduction(
                f"{PREFIX}ENV=production refuses the development account(s) {', '.join(found)}: create "
                f"your own administrator ({FIRST_ADMIN}) and disable them (python -m bot users disable NAME)"
            )
        if not store.count():
            print(f"web: no staff account yet; create the first administrator: {FIRST_ADMIN}", flush=True)
    elif Management(store).ensure_development_admin():
        print(
            f"web: development administrator created: {DEVELOPMENT_ADMIN} / {DEVELOPMENT_PASSWORD} "
            f"(development only; docs/accounts.md)",
            flush=True,
        )
    passwords.make_decoy()
    sessions = Sessions(store, settings.accounts)
    sessions.purge()  # sessions that ended while the server was down (they are refused anyway)
    return sessions


def staff_sign_in(settings: Settings) -> str:
    """How to sign in to the console, for ``make run``'s summary (bot/ops/stack.py)."""
    store = AccountStore(settings.console_store_url)
    try:
        if development_accounts(store) and not settings.production:
            return f"development sign-in: {DEVELOPMENT_ADMIN} / {DEVELOPMENT_PASSWORD}; your own: docs/accounts.md"
        if not store.count():
            return f"no account yet: {FIRST_ADMIN}"
        return "sign in with your account; accounts: python -m bot users list"
    finally:
        store.engine.dispose()
