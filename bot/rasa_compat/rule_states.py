"""RulePolicy's rules parsed once, not at every prediction.

Rasa 3.6's ``RulePolicy`` keeps each learned rule as the JSON text of its states and, at every
prediction, filters all of them turn by turn (``_get_possible_keys``), parsing a rule's JSON
again (``_rule_key_to_state``) for each rule and each turn it looks back. With the rules
generated from the registry (a few hundred) that was most of the policy's CPU a turn
(docs/benchmarks.md). Here ``_rule_key_to_state`` remembers what it parsed: the same text
always gives the same states, and every caller in Rasa 3.6 only reads them
(tests/rasa_compat/test_rule_states.py checks both, and that predictions are unchanged).

Rasa has no hook for this, so :func:`install` replaces the static method for the whole
process; the Rasa server's launcher (bot/rasa_compat/__main__.py) calls it before Rasa starts.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

from bot.rasa_compat.override import Override

# Rule keys come from the loaded model's lookup (hundreds); a model loaded later adds its own.
CACHE_SIZE = 8192


@functools.lru_cache(maxsize=CACHE_SIZE)
def parsed_rule(rule_key: str) -> list[dict[str, Any]]:
    """The states of a rule from its key, parsed once. Callers must not change what they get."""
    states: list[dict[str, Any]] = json.loads(rule_key)
    return states


OVERRIDE = Override(RulePolicy, "_rule_key_to_state", staticmethod(parsed_rule), parsed_rule.cache_clear)
install, uninstall, installed = OVERRIDE.install, OVERRIDE.uninstall, OVERRIDE.installed
