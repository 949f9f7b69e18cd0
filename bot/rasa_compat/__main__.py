"""``python -m bot.rasa_compat run …``: Rasa's own command line, with our overrides installed first.

This is the one place where a Rasa server of ours installs its process-wide overrides
(bot/ops/stack.py starts every Rasa server through it); the arguments are Rasa's.
Importing :mod:`bot.rasa_compat` has already refused a Rasa of another version.
"""

from __future__ import annotations

from bot.rasa_compat import action_reply, kept_sessions, rule_states


def main() -> None:
    action_reply.install()
    kept_sessions.install()
    rule_states.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
