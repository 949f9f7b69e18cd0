"""The department's spreadsheet: the template as handed out, read back strictly (every problem by
row and column, nothing applied when there is one), and applied to a copy with a dry run whose
lines say each value before and after."""

from __future__ import annotations

import difflib
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.registry.files import Registry, load_registry
from bot.registry_import.plan import StaleImport, apply_plan
from bot.registry_import.sheet import (
    COLUMNS,
    README,
    SHEET,
    SheetRefused,
    dry_run_sheet,
    parse_sheet,
    write_template,
)
from bot.settings import get_settings
from tests.registry_import.helpers import SOURCE, filled, registry_copy

REGISTRY = get_settings().registry.dir


@pytest.fixture(scope="module")
def live() -> Registry:
    return load_registry(REGISTRY)


def first_required(registry: Registry) -> tuple[str, str]:
    """A scenario and a required, not exempt requirement of it (by the guide's own name)."""
    for guide in registry.scenarios.values():
        names = [r.seed_name for r in guide.requirements]
        for req in guide.requirements:
            if req.necessity == "required" and req.exemption is None and names.count(req.seed_name) == 1:
                return guide.id, req.seed_name
    raise AssertionError("no such requirement in the registry")


def test_the_template_has_a_readme_every_column_and_drop_downs(tmp_path: Path, live: Registry) -> None:
    guide = next(iter(live.scenarios.values()))
    assert write_template(tmp_path / "t.xlsx", live, [guide.id]) == len(guide.requirements)
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == [README, SHEET] and book.active.title == SHEET
    readme = "\n".join(str(c.value) for row in book[README].iter_rows() for c in row if c.value)
    for _, header, _, about in COLUMNS:
        assert header in readme and about in readme
    sheet = book[SHEET]
    assert [c.value for c in sheet[1]] == [h for _, h, _, _ in COLUMNS]
    assert sheet.max_row == 1 + len(guide.requirements)
    assert {str(v.sqref) for v in sheet.data_validations.dataValidation} == {"C2:C5001", "E2:E5001"}
    # Prefilled rows read back as they are: they state the registry's current values.
    rows = [[*(c.value or "" for c in row[:7]), SOURCE] for row in sheet.iter_rows(min_row=2)]
    assert len(parse_sheet(filled(tmp_path / "again.xlsx", rows), live)) == len(guide.requirements)


def test_a_filled_sheet_is_a_dry_run_then_applied_to_the_files(tmp_path: Path, live: Registry) -> None:
    directory = registry_copy(REGISTRY, tmp_path / "registry")
    guide_id, name = first_required(live)
    row = [guide_id, name, "必要", "", "电子证照核验", "公安机关", "居民户口簿电子证照", SOURCE]
    before = (directory / "scenarios" / f"{guide_id}.yml").read_bytes()
    plan, rows = dry_run_sheet(filled(tmp_path / "f.xlsx", [row]), directory, tmp_path / "work")
    assert [(r.row, r.source) for r in rows] == [(2, SOURCE)]
    assert plan.files == [(f"scenarios/{guide_id}.yml", "changed")]
    guide_name = live.scenarios[guide_id].name
    assert f"「{guide_name}」{name}：免提交 不免提交 → 电子证照核验（居民户口簿电子证照）" in plan.lines()[0]
    assert (directory / "scenarios" / f"{guide_id}.yml").read_bytes() == before  # a dry run changes nothing
    assert apply_plan(plan) == [f"scenarios/{guide_id}.yml"]
    after = load_registry(directory).scenarios[guide_id]
    req = next(r for r in after.requirements if r.seed_name == name)
    assert req.exemption is not None and req.exemption.kind == "e_licence_verification"
    assert req.issuer == "公安机关" and req.exemption.text == "居民户口簿电子证照"
    # Only that requirement changed in the file: its issuer line, the exemption's three lines added,
    # and the three of `kept: [issuer, exemption]` that keep them across a seed import.
    diff = difflib.unified_diff(
        before.decode().splitlines(),
        (directory / "scenarios" / f"{guide_id}.yml").read_text().splitlines(),
        n=0,
    )
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) <= 8 and "+  exemption:" in changed
    assert changed[-3:] == ["+  kept:", "+  - issuer", "+  - exemption"]
    # The plan was made from the files as they were: applying it again would undo nothing but is refused.
    with pytest.raises(StaleImport):
        apply_plan(plan)


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (
            ["no_such_guide", "居民身份证", "必要", "", "", "", "", SOURCE],
            "事项（编号或名称）",
            "材料库里没有这个事项",
        ),
        (["{guide}", "不存在的材料", "必要", "", "", "", "", SOURCE], "材料名称", "材料清单里没有这项材料"),
        (["{guide}", "{name}", "也许", "", "", "", "", SOURCE], "是否必要", "只能填 必要 / 按情形"),
        (["{guide}", "{name}", "必要", "外省的", "", "", "", SOURCE], "适用条件", "不能有适用条件"),
        (["{guide}", "{name}", "必要", "", "刷脸", "", "", SOURCE], "免提交方式", "不认识「刷脸」"),
        (
            ["{guide}", "{name}", "必要", "", "不免提交", "", "某证照", SOURCE],
            "免提交依据",
            "不能写免提交依据",
        ),
        (["{guide}", "{name}", "必要", "", "", "", "", ""], "来源（文件号或网址）", "必填"),
    ],
)
def test_each_bad_cell_is_named_by_row_and_column(
    tmp_path: Path, live: Registry, row: list[str], column: str, words: str
) -> None:
    guide_id, name = first_required(live)
    other = next(r.seed_name for r in live.scenarios[guide_id].requirements if r.seed_name != name)
    good = [guide_id, other, "必要", "", "", "", "", SOURCE]
    bad = [cell.format(guide=guide_id, name=name) for cell in row]
    with pytest.raises(SheetRefused) as refused:
        parse_sheet(filled(tmp_path / "f.xlsx", [good, bad]), live)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, column)]
    assert words in str(refused.value.problems[0]) and str(refused.value.problems[0]).startswith("第 3 行")


def test_the_same_requirement_twice_and_sheets_that_are_not_the_template_are_refused(
    tmp_path: Path, live: Registry
) -> None:
    guide_id, name = first_required(live)
    row = [guide_id, name, "必要", "", "", "", "", SOURCE]
    with pytest.raises(SheetRefused, match="与第 2 行是同一项材料要求"):
        parse_sheet(filled(tmp_path / "f.xlsx", [row, row]), live)
    with pytest.raises(SheetRefused, match="没有填写任何一行"):
        parse_sheet(filled(tmp_path / "empty.xlsx", []), live)
    with pytest.raises(SheetRefused, match="不是 Excel 表格"):
        parse_sheet(b"name,material\n", live)
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:  # looks like an .xlsx from outside, is none inside
        archive.writestr("[Content_Types].xml", "<Types>not really</Types>")
    with pytest.raises(SheetRefused):
        parse_sheet(broken.getvalue(), live)
    book = load_workbook(tmp_path / "f.xlsx")
    book[SHEET].delete_cols(8)
    book.save(tmp_path / "no-source.xlsx")
    with pytest.raises(SheetRefused, match="缺少这一列"):
        parse_sheet((tmp_path / "no-source.xlsx").read_bytes(), live)
