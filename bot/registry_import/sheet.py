"""The spreadsheet a department fills in: one row per material of a matter, read back strictly.

A department's liaison knows their materials, not YAML: they get an .xlsx with a README
sheet and one sheet of rows (matter, material, necessity, condition, exemption, issuing
body, basis, source), drop-down lists for the coded columns, and optionally the current
values of their matters filled in. Reading it back names every problem by row and column
and applies nothing when there is one, because a half-applied sheet is worse than none.
A row changes an existing requirement only: adding materials or matters is the editor's
(or the seed import's) job, where the material catalogue's merge decisions are made.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from bot.admin.changes import mark_kept
from bot.admin.documents import guide_path, read_document, write_documents
from bot.registry.files import Registry, RegistryError, load_registry
from bot.registry.model import Requirement, Scenario
from bot.registry.seed_import import KEPT_REQUIREMENT_KEYS
from bot.registry_import.labels import EXEMPT_LABELS, NECESSITY_LABELS, NO_EXEMPTION
from bot.registry_import.plan import ImportPlan, ImportRefused, plan_import, stage_copy

SHEET = "材料要求"
README = "README"
# Column key, header, width, and what the README says about it.
COLUMNS: tuple[tuple[str, str, int, str], ...] = (
    (
        "guide",
        "事项（编号或名称）",
        28,
        "必填。一件事或办事事项的编号（如 newborn）或完整名称，须是材料库里已有的。",
    ),
    ("material", "材料名称", 28, "必填。该事项材料清单里的材料名称（办事指南的写法或标准材料名称）。"),
    ("necessity", "是否必要", 10, "必填：必要 / 按情形。"),
    ("condition", "适用条件", 30, "“按情形”时写明什么情况下需要；留空则保留原有条件。“必要”时须留空。"),
    (
        "exemption",
        "免提交方式",
        24,
        f"{NO_EXEMPTION}（或留空）/ " + " / ".join(EXEMPT_LABELS.values()) + "。",
    ),
    ("issuer", "出具部门", 20, "出具或共享该材料的部门（如 公安机关）；留空则保留原值。"),
    ("basis", "免提交依据", 30, "免提交时写明依据：哪个电子证照或数据共享来源；不免提交时须留空。"),
    ("source", "来源（文件号或网址）", 30, "必填。这一行依据的政策文件文号、网址或部门通知。"),
)
HEADERS = {key: header for key, header, _, _ in COLUMNS}
MAX_ROWS = 5000
MAX_PROBLEMS = 50
# The key order the seed import writes a requirement in, so an edited file stays tidy.
REQUIREMENT_ORDER = (
    "material", "seed_name", "role", "holder", "necessity", "condition", "note", "issuer_kind",
    "issuer", "obtain_from", "exemption", "requirements", "fill_notes", "legal_basis", "codes", "when",
)  # fmt: skip


@dataclass(frozen=True)
class SheetProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "表格"
        return f"{where}「{self.column}」：{self.message}" if self.column else f"{where}：{self.message}"


class SheetRefused(ImportRefused):
    """The sheet has problems; every one found (up to :data:`MAX_PROBLEMS`) is listed."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__("表格有 " + str(len(problems)) + " 处问题：" + "；".join(map(str, problems[:5])))


@dataclass(frozen=True)
class RowChange:
    """One row, checked: which requirement of which guide becomes what."""

    row: int
    guide: Scenario
    index: int  # the requirement's position in the guide's list (and file)
    necessity: str
    condition: str | None
    exemption: dict[str, str] | None
    issuer: str | None
    source: str


# -- writing the template ----------------------------------------------------------


def _row_of(guide: Scenario, req: Requirement) -> list[str]:
    exemption = req.exemption
    return [
        guide.id,
        req.seed_name,
        NECESSITY_LABELS.get(req.necessity, req.necessity),
        req.condition or "",
        EXEMPT_LABELS.get(exemption.kind, exemption.kind) if exemption else NO_EXEMPTION,
        req.issuer or "",
        (exemption.text or "") if exemption else "",
        "",
    ]


def write_template(path: Path, registry: Registry | None = None, guides: Iterable[str] = ()) -> int:
    """Write the template to ``path``; with ``guides`` (ids), their current requirements as rows
    to correct. Returns the number of rows filled in."""
    book = Workbook()
    readme = book.active
    readme.title = README
    readme.append(["材料要求导入表格：填写说明"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append([])
    for line in (
        f"在「{SHEET}」表里每行写一项材料要求：哪个事项的哪项材料，是否必要，是否免提交以及依据，并注明来源。",
        "每行只修改材料库里已有的一项材料要求；新增事项或材料请在材料库编辑页（/admin）操作。",
        "上传到 /admin/import 会先显示将要发生的变化；确认后成为一份修改草稿，由另一位审核人批准后才生效。",
        "任何一行有问题，整张表都不会导入；错误会指出第几行、哪一列。",
        "",
        "各列说明：",
    ):
        readme.append([line])
    for _, header, _, about in COLUMNS:
        readme.append([header, about])
        readme.cell(readme.max_row, 1).font = Font(bold=True)
    readme.append([])
    readme.append(["示例（请勿在本页填写）："])
    readme.append([h for _, h, _, _ in COLUMNS])
    readme.append(
        [
            "newborn",
            "居民户口簿",
            "必要",
            "",
            "电子证照核验",
            "公安机关",
            "居民户口簿电子证照",
            "湘政办发〔2024〕1号",
        ]
    )
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["B"].width = 90
    for row in readme.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    sheet = book.create_sheet(SHEET)
    sheet.append([header for _, header, _, _ in COLUMNS])
    for number, (_, _, width, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
        cell = sheet.cell(1, number)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    sheet.freeze_panes = "A2"
    filled = 0
    if registry is not None:
        known = registry.guides()
        for guide_id in guides:
            if guide_id not in known:
                raise ImportRefused(f"没有这个事项：{guide_id}")
            for req in known[guide_id].requirements:
                sheet.append(_row_of(known[guide_id], req))
                filled += 1
    for key, choices in (
        ("necessity", list(NECESSITY_LABELS.values())),
        ("exemption", [NO_EXEMPTION, *EXEMPT_LABELS.values()]),
    ):
        column = get_column_letter(list(HEADERS).index(key) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
        rule.error, rule.errorTitle = "请从下拉列表中选择", "取值不对"
        rule.add(f"{column}2:{column}{MAX_ROWS + 1}")
        sheet.add_data_validation(rule)
    book.active = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return filled


# -- reading it back ---------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(data: bytes) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The header's column positions and the non-empty rows of the data sheet."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetRefused([SheetProblem(0, "", "不是 Excel 表格（.xlsx）")]) from exc
    except Exception as exc:  # an uploaded file openpyxl chokes on in its own way: still the file's fault
        raise SheetRefused(
            [SheetProblem(0, "", f"表格文件已损坏，无法读取（{exc.__class__.__name__}）")]
        ) from exc
    try:
        return _read_rows(book)
    except SheetRefused:
        raise
    except Exception as exc:  # read-only mode parses the sheet's XML while iterating
        raise SheetRefused(
            [SheetProblem(0, "", f"表格文件已损坏，无法读取（{exc.__class__.__name__}）")]
        ) from exc
    finally:
        book.close()


def _read_rows(book: Any) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """:func:`_rows` on the opened workbook: the template's sheet, its header, its filled rows."""
    if SHEET not in book.sheetnames:
        raise SheetRefused([SheetProblem(0, "", f"找不到名为「{SHEET}」的工作表，请使用导入模板")])
    rows = book[SHEET].iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in HEADERS.values() if h not in header]
    if missing:
        raise SheetRefused([SheetProblem(1, h, "缺少这一列（请使用导入模板）") for h in missing])
    positions = {key: header.index(h) for key, h in HEADERS.items()}
    found = []
    for number, values in enumerate(rows, start=2):
        cells = [_text(v) for v in values]
        if any(cells):
            found.append((number, cells))
            if len(found) > MAX_ROWS:
                raise SheetRefused([SheetProblem(number, "", f"最多 {MAX_ROWS} 行")])
    return positions, found


def _guide_named(registry: Registry, text: str) -> Scenario | str:
    guides = registry.guides()
    if text in guides:
        return guides[text]
    named = [g for g in guides.values() if g.name == text]
    if len(named) == 1:
        return named[0]
    return f"有 {len(named)} 个事项叫这个名字，请写编号" if named else "材料库里没有这个事项"


def _requirement_named(registry: Registry, guide: Scenario, text: str) -> int | str:
    matches = [i for i, r in enumerate(guide.requirements) if r.seed_name == text]
    if not matches:
        matches = [
            i
            for i, r in enumerate(guide.requirements)
            if r.material == text
            or (r.material in registry.materials and registry.materials[r.material].name == text)
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        return f"「{guide.name}」有 {len(matches)} 项材料叫这个名字，请按办事指南的写法区分"
    return f"「{guide.name}」的材料清单里没有这项材料"


def parse_sheet(data: bytes, registry: Registry) -> list[RowChange]:
    """The sheet's rows as checked changes; :class:`SheetRefused` listing every problem."""
    positions, rows = _rows(data)
    problems: list[SheetProblem] = []
    changes: list[RowChange] = []
    seen: dict[tuple[str, int], int] = {}
    exempt_by_label = {label: kind for kind, label in EXEMPT_LABELS.items()} | {k: k for k in EXEMPT_LABELS}
    necessity_by_label = {label: kind for kind, label in NECESSITY_LABELS.items()} | {
        k: k for k in NECESSITY_LABELS
    }
    for number, cells in rows:
        cell = {key: (cells[i] if i < len(cells) else "") for key, i in positions.items()}
        row_problems: list[SheetProblem] = []

        def problem(
            key: str, message: str, number: int = number, found: list[SheetProblem] = row_problems
        ) -> None:
            found.append(SheetProblem(number, HEADERS[key], message))

        for key in ("guide", "material", "necessity", "source"):
            if not cell[key]:
                problem(key, "必填")
        guide = _guide_named(registry, cell["guide"]) if cell["guide"] else None
        if isinstance(guide, str):
            problem("guide", f"{guide}：{cell['guide']}")
        index: int | str | None = None
        if isinstance(guide, Scenario) and cell["material"]:
            index = _requirement_named(registry, guide, cell["material"])
            if isinstance(index, str):
                problem("material", index)
        necessity = necessity_by_label.get(cell["necessity"])
        if cell["necessity"] and necessity is None:
            problem(
                "necessity", f"只能填 {' / '.join(NECESSITY_LABELS.values())}，不能是「{cell['necessity']}」"
            )
        if necessity == "required" and cell["condition"]:
            problem("condition", "“必要”的材料不能有适用条件（要写条件，请选“按情形”）")
        kind = None
        if cell["exemption"] not in ("", NO_EXEMPTION):
            kind = exempt_by_label.get(cell["exemption"])
            if kind is None:
                problem("exemption", f"不认识「{cell['exemption']}」，请从下拉列表中选择")
        elif cell["basis"]:
            problem("basis", "不免提交的材料不能写免提交依据")
        if isinstance(guide, Scenario) and isinstance(index, int):
            earlier = seen.setdefault((guide.id, index), number)
            if earlier != number:
                problem("material", f"与第 {earlier} 行是同一项材料要求")
        problems.extend(row_problems)
        if not row_problems and isinstance(guide, Scenario) and isinstance(index, int) and necessity:
            exemption = (
                None if kind is None else {"kind": kind, **({"text": cell["basis"]} if cell["basis"] else {})}
            )
            changes.append(
                RowChange(
                    number,
                    guide,
                    index,
                    necessity,
                    cell["condition"] or None,
                    exemption,
                    cell["issuer"] or None,
                    cell["source"],
                )
            )
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise SheetRefused(problems[:MAX_PROBLEMS])
    if not changes:
        raise SheetRefused([SheetProblem(0, "", f"「{SHEET}」表里没有填写任何一行")])
    return changes


def _ordered(requirement: dict[str, Any]) -> dict[str, Any]:
    known = [k for k in REQUIREMENT_ORDER if k in requirement]
    return {k: requirement[k] for k in [*known, *(k for k in requirement if k not in REQUIREMENT_ORDER)]}


def changed_requirement(requirement: dict[str, Any], change: RowChange) -> dict[str, Any]:
    """The requirement's YAML mapping with the row applied."""
    updated = dict(requirement)
    updated["necessity"] = change.necessity
    if change.necessity == "required":
        updated.pop("condition", None)
        updated.pop("when", None)
    elif change.condition:
        updated["condition"] = change.condition
    if change.exemption is None:
        updated.pop("exemption", None)
    else:
        updated["exemption"] = dict(change.exemption)
    if change.issuer:
        updated["issuer"] = change.issuer
    updated = _ordered(updated)
    # as the editor's publish does: the seed facts the row changes survive a later seed import
    mark_kept(
        updated,
        [k for k in KEPT_REQUIREMENT_KEYS if (requirement.get(k) or None) != (updated.get(k) or None)],
    )
    return updated


# The registry editor takes at most this many operations in one change (bot/admin/changes.py).
OPS_PER_CHANGE = 20


def requirement_op(change: RowChange) -> dict[str, Any]:
    """The row as the registry editor's requirement operation (bot/admin/changes.py), setting
    exactly what :func:`changed_requirement` sets, so the draft publishes what the dry run showed."""
    req = change.guide.requirements[change.index]
    op: dict[str, Any] = {
        "op": "requirement",
        "material": req.material,
        "seed_name": req.seed_name,
        "necessity": change.necessity,
        "exemption": change.exemption,
        "fields": ["necessity", "exemption"],
    }
    if change.necessity == "required":
        op |= {"condition": None, "when": None}
        op["fields"] += ["condition", "when"]
    elif change.condition:
        op["condition"] = change.condition
        op["fields"].append("condition")
    if change.issuer:
        op["issuer"] = change.issuer
        op["fields"].append("issuer")
    return op


def draft_change(changes: list[RowChange]) -> dict[str, Any]:
    """The whole sheet as one registry-editor draft: ``{"changes": [...]}``, a change per guide
    (in groups of :data:`OPS_PER_CHANGE` operations), reviewed and published all together."""
    by_guide: dict[str, list[RowChange]] = {}
    for change in changes:
        by_guide.setdefault(change.guide.id, []).append(change)
    found = []
    for rows in by_guide.values():
        target = {"kind": rows[0].guide.kind, "id": rows[0].guide.id}
        for start in range(0, len(rows), OPS_PER_CHANGE):
            found.append(
                {"target": target, "ops": [requirement_op(r) for r in rows[start : start + OPS_PER_CHANGE]]}
            )
    return {"changes": found}


def sources(changes: Iterable[RowChange]) -> list[str]:
    """The rows' sources, each once, in the order they first appear."""
    return list(dict.fromkeys(c.source for c in changes))


def apply_rows(changes: list[RowChange], registry_dir: Path) -> int:
    """Write the changes into the guides' files under ``registry_dir``; the files written."""
    by_guide: dict[str, list[RowChange]] = {}
    for change in changes:
        by_guide.setdefault(change.guide.id, []).append(change)
    documents = []
    for rows in by_guide.values():
        guide = rows[0].guide
        document = read_document(registry_dir, guide_path(guide.kind, guide.id))
        requirements = document.data["requirements"]
        for change in rows:
            requirements[change.index] = changed_requirement(requirements[change.index], change)
        documents.append(document)
    write_documents(registry_dir, documents)
    return len(documents)


def dry_run_sheet(data: bytes, registry_dir: Path, work: Path) -> tuple[ImportPlan, list[RowChange]]:
    """Apply a filled-in sheet to a copy of ``registry_dir`` under ``work``; what it would change."""
    try:
        registry = load_registry(registry_dir)
    except RegistryError as exc:
        raise ImportRefused(f"当前材料库数据有误，请先修正：{exc}") from exc
    changes = parse_sheet(data, registry)
    staged = stage_copy(registry_dir, work)
    apply_rows(changes, staged)
    plan = plan_import(registry_dir, staged, registry)
    plan.counts = {"rows": len(changes), "guides": len({c.guide.id for c in changes})}
    return plan, changes
