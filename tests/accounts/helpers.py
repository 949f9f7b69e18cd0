"""Staff accounts for tests: every test that signs in creates the account it signs in as.

The web server refuses a bearer token whose X-Staff-Name names no account, so a test that acts as
"tester" first makes "tester" in the stack's own console database (the same store the server
reads; SQLite or PostgreSQL alike)::

    from tests.accounts.helpers import account, bearer
    headers = bearer(stack.settings, "tester")                  # hotline staff unless it exists
    headers = bearer(stack.settings, "ed", role="editor")
    password = account(stack.settings, "rev", "reviewer")       # to sign in through the form
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from bot.accounts.manage import Management
from bot.accounts.roles import HOTLINE
from bot.accounts.store import AccountStore
from bot.settings import Settings

PASSWORD = "Pw-7391-xkqz-plum"  # every test account's; long and varied enough for the rules


@lru_cache(maxsize=16)
def _management(db_url: str) -> Management:
    return Management(AccountStore(db_url))


def account(settings: Settings, name: str, role: str | None = None) -> str:
    """Make sure the account ``name`` exists and is active, with ``role`` if given (a new account
    without one is hotline staff; an existing one keeps its role); its password (:data:`PASSWORD`,
    as every account these helpers make has)."""
    management = _management(settings.console_store_url)
    found = management.store.get(name)
    if found is None:
        management.create("tests", name, role or HOTLINE, password=PASSWORD)
        return PASSWORD
    if not found.active:
        management.set_active("tests", name, True)
    if role is not None and found.role != role:
        management.set_role("tests", name, role)
    return PASSWORD


def bearer(settings: Settings, name: str, role: str | None = None) -> dict[str, str]:
    """The machine door's headers acting as ``name`` (made as in :func:`account`)."""
    account(settings, name, role)
    return {"Authorization": f"Bearer {settings.secrets.staff_token}", "X-Staff-Name": quote(name)}
