"""The four roles a staff account can have, and what each may do.

One role per account, ordered by what it adds: hotline staff (坐席) use the console; a
registry editor also drafts changes to the registry and reads the reform dashboard; a
reviewer also approves or rejects other people's drafts; an administrator also manages
accounts and imports a region's data. Pages and API routes ask :func:`can` for one
*capability*, never for a role name, so a new role changes only this table.
"""

from __future__ import annotations

from dataclasses import dataclass

HOTLINE, EDITOR, REVIEWER, ADMIN = "hotline", "editor", "reviewer", "admin"
ROLES: tuple[str, ...] = (HOTLINE, EDITOR, REVIEWER, ADMIN)
ROLE_LABELS = {HOTLINE: "热线坐席", EDITOR: "材料库编辑", REVIEWER: "审核人", ADMIN: "管理员"}

# Capabilities: "console" (the hotline console and its API), "edit" (draft registry changes),
# "dashboard" (the reform dashboard), "review" (approve or reject someone else's draft),
# "import" (import a region's data), "users" (manage accounts).
CAPABILITIES: dict[str, frozenset[str]] = {
    HOTLINE: frozenset({"console"}),
    EDITOR: frozenset({"console", "edit", "dashboard"}),
    REVIEWER: frozenset({"console", "edit", "dashboard", "review"}),
    ADMIN: frozenset({"console", "edit", "dashboard", "review", "import", "users"}),
}


@dataclass(frozen=True)
class User:
    """A signed-in person, as the web server's gate puts it on ``request.state.user``."""

    name: str  # the account name: what every audit entry records
    role: str
    display: str = ""  # the person's name as they want it shown (may equal ``name``)

    def can(self, capability: str) -> bool:
        return can(self.role, capability)


def can(role: str, capability: str) -> bool:
    """Whether an account with ``role`` has ``capability`` (an unknown role has none)."""
    return capability in CAPABILITIES.get(role, frozenset())
