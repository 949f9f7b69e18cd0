"""The words a department reads and writes for the registry's coded values.

The exemption kinds' words are the registry editor's too (bot/registry/exemption_labels.py).
One table for the spreadsheet (its drop-down lists and what a cell may say) and for the
dry run's lines, so a value reads the same in the file a person filled in and in the diff
they confirm.
"""

from __future__ import annotations

from typing import Any

from bot.registry.exemption_labels import EXEMPT_LABELS

__all__ = ["EXEMPT_LABELS", "NECESSITY_LABELS", "NO_EXEMPTION", "exemption_words", "value_words"]

NECESSITY_LABELS = {"required": "必要", "conditional": "按情形"}
NO_EXEMPTION = "不免提交"


def exemption_words(exemption: Any) -> str:
    """``{"kind": …, "text": …}`` as 电子证照核验（依据） or 不免提交."""
    if not isinstance(exemption, dict) or not exemption.get("kind"):
        return NO_EXEMPTION
    label = EXEMPT_LABELS.get(str(exemption["kind"]), str(exemption["kind"]))
    return f"{label}（{exemption['text']}）" if exemption.get("text") else label


def value_words(field: str, value: Any) -> str:
    """One requirement field's value as the dry run shows it."""
    if field == "necessity":
        return NECESSITY_LABELS.get(str(value), str(value))
    if field == "exemption":
        return exemption_words(value)
    if value in (None, "", [], {}):
        return "（空）"
    return str(value)
