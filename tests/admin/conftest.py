"""Fixtures for the registry editor's tests: a private copy of the registry and a drafts store."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.accounts.roles import User
from bot.admin.drafts import Drafts
from bot.admin.editor import Editor
from bot.settings import ROOT

ALICE = User("alice", "editor", "艾丽斯")
BOB = User("bob", "reviewer", "鲍勃")
CAROL = User("carol", "reviewer", "卡罗尔")
SOURCE = "湘政务办函〔2026〕8号《关于婚姻登记电子证照共享应用的通知》"
MARRIAGE_EXEMPT = {
    "target": {"kind": "scenario", "id": "newborn"},
    "ops": [
        {
            "op": "requirement",
            "material": "marriage_certificate",
            "seed_name": "中华人民共和国结婚证",
            "issuer": "民政部门",
            "exemption": {"kind": "e_licence_verification", "text": "婚姻登记电子证照共享核验"},
            "fields": ["issuer", "exemption"],
        }
    ],
}


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*.yml"))}


@pytest.fixture
def registry_copy(tmp_path: Path) -> Path:
    target = tmp_path / "registry"
    shutil.copytree(ROOT / "data" / "registry", target)
    return target


@pytest.fixture
def make_editor(tmp_path: Path) -> Callable[[Path], Editor]:
    def make(directory: Path) -> Editor:
        return Editor(directory, Drafts(f"sqlite:///{tmp_path / 'console.sqlite3'}"))

    return make
