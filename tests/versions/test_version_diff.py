"""What changed between two registry versions, from real registry records (pure: no servers)."""

from __future__ import annotations

import copy
import json

from bot.registry.model import to_dict
from bot.registry.version_diff import diff_snapshots


def snapshot(registry) -> dict:
    return {
        "scenario": {s.id: json.loads(json.dumps(to_dict(s))) for s in registry.scenarios.values()},
        "material": {m.id: json.loads(json.dumps(to_dict(m))) for m in registry.materials.values()},
    }


def test_the_same_registry_has_no_changes(registry):
    a = snapshot(registry)
    diff = diff_snapshots(a, copy.deepcopy(a))
    assert diff == {"scenarios": [], "materials": [], "summary": "内容无变化"}


def test_a_material_added_removed_and_changed_is_named(registry):
    a = snapshot(registry)
    b = copy.deepcopy(a)
    newborn = b["scenario"]["newborn"]
    removed = newborn["requirements"].pop(0)
    changed = next(r for r in newborn["requirements"] if r.get("obtain_from"))
    changed["obtain_from"] = "村（居）委会"
    newborn["requirements"].append({**removed, "material": "hukou_booklet", "seed_name": "户口簿（新增）"})
    newborn["promised_days"] = 3
    diff = diff_snapshots(a, b, "newborn")
    [change] = diff["scenarios"]
    by_change = {(m["material"], m["change"]) for m in change["materials"]}
    assert (removed["material"], "removed") in by_change
    assert (changed["material"], "changed") in by_change
    assert ("hukou_booklet", "added") in by_change
    fields = next(m for m in change["materials"] if m["material"] == changed["material"])["fields"]
    before = next(
        r["obtain_from"]
        for r in a["scenario"]["newborn"]["requirements"]
        if (r["material"], r["seed_name"]) == (changed["material"], changed["seed_name"])
    )
    assert before != "村（居）委会"
    assert fields == [{"field": "obtain_from", "label": "去哪开", "before": before, "after": "村（居）委会"}]
    assert {"field": "promised_days", "label": "承诺时限", "before": 5, "after": 3} in change["fields"]
    name = registry.materials[changed["material"]].name
    assert name in diff["summary"] and "承诺时限 5→3" in diff["summary"]


def test_a_catalogue_edit_shows_under_the_scenarios_that_use_it_only(registry):
    a = snapshot(registry)
    b = copy.deepcopy(a)
    b["material"]["id_card"]["issuer"] = "公安机关户籍窗口"
    users = [
        s.id for s in registry.scenarios.values() if any(r.material == "id_card" for r in s.requirements)
    ]
    assert users
    assert [m["id"] for m in diff_snapshots(a, b, users[0])["materials"]] == ["id_card"]
    non_user = next(s.id for s in registry.scenarios.values() if s.id not in users)
    assert diff_snapshots(a, b, non_user)["materials"] == []
    whole = diff_snapshots(a, b)
    assert whole["materials"][0]["fields"][0]["after"] == "公安机关户籍窗口"


def test_scenarios_added_and_removed(registry):
    a = snapshot(registry)
    b = copy.deepcopy(a)
    del b["scenario"]["retirement"]
    b["scenario"]["new_one"] = {**a["scenario"]["newborn"], "id": "new_one", "name": "新事项"}
    changes = {(c["id"], c["change"]) for c in diff_snapshots(a, b)["scenarios"]}
    assert changes == {("retirement", "removed"), ("new_one", "added")}
