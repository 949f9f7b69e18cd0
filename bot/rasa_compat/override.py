"""One attribute of a Rasa class replaced by ours, put in and taken out the same way for each.

Every override in this package (action_reply, kept_sessions, rule_states) swaps one attribute
of one Rasa class for the whole process: the launcher installs it before Rasa starts
(bot/rasa_compat/__main__.py), and the contract tests take it out again to compare with Rasa's
own behaviour. Keeping that mechanics here means each module holds only what it changes and
why, and that every override can be undone exactly: Rasa's attribute is taken from the class's
own ``__dict__`` (a ``staticmethod`` stays one) when the override is declared, before anything
can have replaced it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Override:
    """``owner.name`` is ``ours`` once installed, Rasa's own again once uninstalled."""

    owner: type
    name: str
    ours: Any  # as it must sit in the class: a function, or a staticmethod wrapping one
    # Called after Rasa's attribute is back (e.g. forget what ours remembered).
    after_uninstall: Callable[[], None] | None = None
    rasa: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rasa = self.owner.__dict__[self.name]
        if rasa is self.ours:
            raise RuntimeError(f"{self.owner.__name__}.{self.name} is already ours: Rasa's own is lost")
        object.__setattr__(self, "rasa", rasa)

    def install(self) -> None:
        """Ours for every caller in this process (idempotent)."""
        setattr(self.owner, self.name, self.ours)

    def uninstall(self) -> None:
        """Rasa's own again (the contract tests compare both)."""
        setattr(self.owner, self.name, self.rasa)
        if self.after_uninstall is not None:
            self.after_uninstall()

    def installed(self) -> bool:
        return self.owner.__dict__[self.name] is self.ours
