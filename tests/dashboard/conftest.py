"""What the dashboard tests share: publishing an exemption the way an editor's change ends up, as
an edit of a guide's YAML (the registry files are the one source of truth)."""

from __future__ import annotations

from pathlib import Path

EXEMPTION = "  exemption:\n    kind: e_licence_verification\n    text: 通过电子证照核验获取\n"


def publish_exemption(guide: Path, material: str) -> None:
    """Exempt the first requirement of ``material`` in the guide file ``guide`` that is still to be
    handed over (an e-licence check), keeping the rest of the file byte for byte."""
    text = guide.read_text(encoding="utf-8")
    start = 0
    while (start := text.find(f"\n- material: {material}\n", start)) >= 0:
        end = text.find("\n- material: ", start + 1)
        end = len(text) if end < 0 else end
        block = text[start:end]
        if "\n  exemption:\n" not in block:
            cut = start + block.index("\n  issuer_kind: ") + 1
            guide.write_text(text[:cut] + EXEMPTION + text[cut:], encoding="utf-8")
            return
        start = end
    raise AssertionError(f"{guide.name} has no {material} still to be handed over")
