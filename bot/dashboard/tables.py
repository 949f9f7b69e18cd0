"""The dashboard's figures as named tables: what the page shows, charts, and lets people download.

One :class:`Table` per figure, built once from the registry service's answer, serves the page
(an HTML table beside each chart, which screen readers read and the chart is drawn from), the
CSV and the XLSX download: the three can never show different numbers. A column's ``kind``
says how a value reads (a share as a percentage on the page, a number in a spreadsheet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.registry.checklist import ISSUER_KIND_LABELS

TEXT, COUNT, SHARE, POINTS = "text", "count", "share", "points"
FETCHABLE_LABELS = {"e_licence": "有电子证照", "data_sharing": "可数据共享", "system_form": "系统生成"}
KIND_LABELS = {"scenario": "一件事场景", "matter": "办事事项"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT

    def text(self, value: Any) -> str:
        """How the page shows a value: a share as 25.0%, points as +1.2, nothing as —."""
        if value is None or value == "":
            return "—"
        if self.kind == SHARE:
            return f"{value * 100:.1f}%"
        if self.kind == POINTS:
            return f"+{value * 100:.1f}"
        if isinstance(value, bool):
            return "是" if value else "否"
        return str(value)

    def number(self, value: Any) -> float | None:
        """The value a chart plots (a share in percent), None for text or nothing."""
        if self.kind == TEXT or value is None:
            return None
        return round(value * 100, 1) if self.kind in (SHARE, POINTS) else float(value)


@dataclass(frozen=True)
class Chart:
    """How the page charts a table: ``type`` bar (vertical), hbar (horizontal) or line; the labels
    from column ``label``, one series per column in ``values``, the first ``limit`` rows."""

    type: str
    label: str
    values: tuple[str, ...]
    limit: int | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    note: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    chart: Chart | None = None

    @property
    def wide(self) -> bool:
        """Too many columns to sit beside its chart: the page puts the chart above the table."""
        return len(self.columns) > 7

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def values(self) -> list[list[Any]]:
        """The rows as lists in column order: what a CSV or XLSX download writes."""
        return [[row.get(c.key) for c in self.columns] for row in self.rows]


def _share_order(row: dict[str, Any]) -> tuple[float, str]:
    share = row.get("once_or_exempt_share")
    return (-(share if share is not None else -1.0), str(row.get("name") or row.get("id")))


SHARE_COLUMNS = (
    Column("requirements", "材料要求（项）", COUNT),
    Column("exempt", "免提交", COUNT),
    Column("submit_once", "只提交一次", COUNT),
    Column("once_or_exempt_share", "一次办或免提交占比", SHARE),
)


def overall_table(figures: dict[str, Any]) -> Table:
    stats = figures["stats"]
    rows = [{"kind": KIND_LABELS[kind], **stats["by_kind"][kind]} for kind in ("scenario", "matter")] + [
        {"kind": "合计", **stats["all"]}
    ]
    return Table(
        "overall",
        "总体：一次办或免提交的占比",
        "每一项材料要求，指南写明免提交（电子证照、系统生成）或只提交一次（个人中心复用）的，计入占比。",
        (Column("kind", "类别"), Column("guides", "指南数", COUNT), *SHARE_COLUMNS),
        tuple(rows),
        Chart("bar", "kind", ("once_or_exempt_share",)),
    )


def trend_table(trend: dict[str, Any]) -> Table:
    return Table(
        "trend",
        "趋势：各版本的占比",
        "材料库每次变更都是一个版本；占比按各版本当时的指南重新计算。",
        (
            Column("version", "版本"),
            Column("date", "日期"),
            Column("summary", "变更摘要"),
            Column("requirements", "材料要求（项）", COUNT),
            Column("exempt", "免提交", COUNT),
            Column("submit_once", "只提交一次", COUNT),
            Column("once_or_exempt_share", "合计占比", SHARE),
            Column("scenario_share", "一件事场景占比", SHARE),
            Column("matter_share", "办事事项占比", SHARE),
        ),
        tuple({**p, "version": f"v{p['version']}"} for p in trend["versions"]),
        Chart("line", "version", ("once_or_exempt_share", "scenario_share", "matter_share")),
    )


def issuer_kind_table(figures: dict[str, Any]) -> Table:
    return Table(
        "issuer_kinds",
        "按材料出具方",
        "政府部门核发的材料仍要当事人提交的，是改革最该补上的部分。",
        (Column("label", "出具方"), *SHARE_COLUMNS),
        tuple(figures["issuer_kinds"]),
        Chart("bar", "label", ("once_or_exempt_share",)),
    )


def department_table(figures: dict[str, Any]) -> Table:
    return Table(
        "departments",
        "按部门",
        "一件事场景计入牵头部门，办事事项计入主管部门；按材料要求数从多到少，图表为前 15 个。",
        (
            Column("department", "部门"),
            Column("scenarios", "一件事场景", COUNT),
            Column("matters", "办事事项", COUNT),
            *SHARE_COLUMNS,
        ),
        tuple(figures["stats"]["by_department"]),
        Chart("hbar", "department", ("once_or_exempt_share",), limit=15),
    )


def push_table(figures: dict[str, Any]) -> Table:
    push = figures["push_next"]
    rows = [
        {
            **row,
            "rank": rank,
            "issuer_kind": ISSUER_KIND_LABELS.get(row["issuer_kind"], row["issuer_kind"]),
            "fetchable": FETCHABLE_LABELS.get(row["fetchable"] or ""),
        }
        for rank, row in enumerate(push["materials"], 1)
    ]
    return Table(
        "push_next",
        "下一步推进：免除后占比提升最多的材料",
        f"仍需提交的材料共 {push['materials_pending']} 种；按它仍被多少项材料要求索取排序"
        "（“已在几处免提交”说明电子证照或共享渠道已有，其余指南跟进即可）。图表为前 15 种。",
        (
            Column("rank", "排名"),
            Column("name", "材料"),
            Column("issuer_kind", "出具方"),
            Column("issuer", "核发部门"),
            Column("fetchable", "政府可获取"),
            Column("pending_requirements", "仍需提交（项）", COUNT),
            Column("scenarios", "涉及场景", COUNT),
            Column("matters", "涉及事项", COUNT),
            Column("already_exempt", "已在几处免提交", COUNT),
            Column("share_if_exempt", "免除后合计占比", SHARE),
            Column("gain", "占比提升（百分点）", POINTS),
        ),
        tuple(rows),
        Chart("hbar", "name", ("pending_requirements",), limit=15),
    )


def push_issuer_table(figures: dict[str, Any]) -> Table:
    rows = [
        {**row, "issuer_kinds": "、".join(ISSUER_KIND_LABELS.get(k, k) for k in row["issuer_kinds"])}
        for row in figures["push_next"]["issuers"]
    ]
    return Table(
        "push_issuers",
        "先找哪个部门：按核发部门汇总仍需提交的材料",
        "核发部门取标准材料目录的记载（写法不一的，如“公安”与“公安机关”，按原文分列）；目录未注明的，"
        "按出具方类别归在括号里、排在最后，不替它指定部门。图表为前 10 个。",
        (
            Column("issuer", "核发部门（出具方）"),
            Column("issuer_kinds", "出具方类别"),
            Column("materials", "材料种数", COUNT),
            Column("pending_requirements", "仍需提交（项）", COUNT),
            Column("guides", "涉及指南", COUNT),
            Column("share_if_exempt", "全部免除后合计占比", SHARE),
            Column("gain", "占比提升（百分点）", POINTS),
        ),
        tuple(rows),
        Chart("hbar", "issuer", ("pending_requirements",), limit=10),
    )


def reform_total_table(figures: dict[str, Any]) -> Table:
    reform = figures["reform"]
    return Table(
        "reform_totals",
        "改革前后：指南给出的数字",
        f"只合计指南给出改革前后全部六个数字的 {reform['guides_with_figures']} 个一件事场景。",
        (
            Column("label", "指标"),
            Column("before", "改革前", COUNT),
            Column("after", "改革后", COUNT),
            Column("reduction_share", "减少", SHARE),
        ),
        tuple(reform["totals"]),
        Chart("bar", "label", ("before", "after")),
    )


def reform_table(figures: dict[str, Any]) -> Table:
    return Table(
        "reform",
        "各场景改革前后",
        "数字原样取自各场景指南，未作估算。",
        (
            Column("name", "一件事场景"),
            Column("before_materials", "材料·前", COUNT),
            Column("after_materials", "材料·后", COUNT),
            Column("before_visits", "跑动·前", COUNT),
            Column("after_visits", "跑动·后", COUNT),
            Column("before_days", "时限·前（天）", COUNT),
            Column("after_days", "时限·后（天）", COUNT),
        ),
        tuple(figures["reform"]["rows"]),
    )


def scenario_table(figures: dict[str, Any]) -> Table:
    return Table(
        "scenarios",
        "各一件事场景",
        "按占比从高到低；“材料清单不全”的场景，指南本身没有列全材料。",
        (
            Column("name", "一件事场景"),
            *SHARE_COLUMNS,
            Column("materials_incomplete", "材料清单不全"),
        ),
        tuple(sorted(figures["stats"]["scenarios"], key=_share_order)),
        Chart("hbar", "name", ("once_or_exempt_share",)),
    )


def matter_table(figures: dict[str, Any]) -> Table:
    return Table(
        "matters",
        "各办事事项",
        "按占比从高到低；可下载后按部门筛选。",
        (
            Column("name", "办事事项"),
            Column("department", "部门"),
            Column("matter_type", "事项类型"),
            *SHARE_COLUMNS,
        ),
        tuple(sorted(figures["stats"]["matters"], key=_share_order)),
    )


# Every table, in the page's order; the trend is the only one built from the versions' answer.
BUILDERS: dict[str, Callable[[dict[str, Any]], Table]] = {
    "overall": overall_table,
    "issuer_kinds": issuer_kind_table,
    "departments": department_table,
    "push_next": push_table,
    "push_issuers": push_issuer_table,
    "reform_totals": reform_total_table,
    "reform": reform_table,
    "scenarios": scenario_table,
    "matters": matter_table,
}
TABLE_KEYS = ("overall", "trend", *[k for k in BUILDERS if k != "overall"])


def all_tables(figures: dict[str, Any], trend: dict[str, Any]) -> list[Table]:
    """Every table of the dashboard, in the page's order."""
    built = {key: build(figures) for key, build in BUILDERS.items()}
    built["trend"] = trend_table(trend)
    return [built[key] for key in TABLE_KEYS]
