"""The one-time notice as an HTML page for screen and A4 print (and, printed by Chromium, the PDF).

Only layout lives here: the words are :func:`bot.render.notice_words`, the same reading of
the checklist the chat and the SMS give. Every value is HTML-escaped. Each material row
carries ``data-material`` and ``data-status`` so a test (or a screen reader's table
navigation) can check the notice against the registry's checklist. For the PDF, the
stylesheet is inlined (Chromium prints a local file, with nothing to fetch).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.render import version_text

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _link(url: str | None, label: str | None = None) -> str:
    if not url or not url.startswith(("http://", "https://")):
        return esc(label or url or "")
    return f'<a href="{esc(url)}">{esc(label or url)}</a>'


@dataclass(frozen=True)
class NoticeMeta:
    """What the page says about the notice itself, beside the registry's words."""

    code: str
    header: str
    generated: str  # the date and time this page was made, in office time
    pdf_url: str | None = None  # None when rendering the PDF itself
    plain_url: str | None = None  # the stable link, shown on the personal variant
    personal_until: str | None = None  # when the personal variant stops opening
    personal_expired: bool = False


def _rows(groups: Iterable[dict[str, Any]]) -> str:
    out, n = [], 0
    for group in groups:
        out.append(
            f'<tbody class="group group-{esc(group["status"])}"><tr class="group-h">'
            f'<th colspan="4" scope="colgroup">{esc(group["label"])}</th></tr>'
        )
        for item in group["items"]:
            n += 1
            depends = ' <span class="depends">视情况</span>' if item["depends_on_situation"] else ""
            out.append(
                f'<tr class="item" data-material="{esc(item["material"])}" data-status="{esc(item["status"])}">'
                f'<td class="n">{n}</td><td class="name">{esc(item["name"])}</td>'
                f'<td class="status status-{esc(item["status"])}">{esc(item["status_label"])}{depends}</td>'
                f'<td class="detail">{esc(item["detail"])}</td></tr>'
            )
        out.append("</tbody>")
    return "".join(out)


def _situation(words: dict[str, Any]) -> str:
    said = "".join(
        f"<li>{esc(a['question'])} <strong>{esc(a['answer'])}</strong></li>" for a in words["answers"]
    )
    open_ = "".join(
        f"<li>{esc(q['question'])}（{esc(q['options'])}）<em>未回答，相关材料标为“视情况”</em></li>"
        for q in words["unanswered"]
    )
    if not said and not open_:
        return '<p class="muted">本事项没有需要确认的情形。</p>'
    return f'<ul class="answers">{said}{open_}</ul>'


def _how(words: dict[str, Any]) -> str:
    parts = []
    if words["steps"]:
        parts.append('<ol class="steps">' + "".join(f"<li>{esc(s)}</li>" for s in words["steps"]) + "</ol>")
    else:
        parts.append('<p class="muted">指南未写明办理流程。</p>')
    parts.append(
        "<p><strong>网上办理：</strong>"
        + (_link(words["online_url"]) if words["online_url"] else "指南未给出网上办理入口")
        + "</p>"
    )
    for point in words["service_points"]:
        parts.append(
            f"<p><strong>线下办理：</strong>{esc(point['name'])}，{esc(point['address'])}；"
            f"办公时间：{esc(point['hours'])}</p>"
        )
    if words["consult_phone"]:
        parts.append(f"<p><strong>咨询电话：</strong>{esc(words['consult_phone'])}</p>")
    return "".join(parts)


def _banners(meta: NoticeMeta, changes: dict[str, Any]) -> str:
    out = []
    if changes.get("changed"):
        items = "".join(f"<li>{esc(line)}</li>" for line in changes["lines"])
        out.append(
            f'<section class="banner banner-changed" id="changes" role="status">'
            f"<h2>内容有变化</h2><p>本告知单生成于材料库 v{esc(changes['issued_version'])}，"
            f"材料库现已更新至 v{esc(changes['current_version'])}。下面已按最新版本显示，变化如下：</p>"
            f"<ul>{items}</ul></section>"
        )
    elif changes.get("issued_version") != changes.get("current_version"):
        out.append(
            f'<section class="banner banner-same" id="changes" role="status"><p>本告知单生成于材料库 '
            f"v{esc(changes['issued_version'])}；材料库已更新至 v{esc(changes['current_version'])}，"
            f"但您这件事的内容没有变化。</p></section>"
        )
    if meta.personal_until:
        out.append(
            f'<section class="banner banner-personal" role="note"><p>本页含您个人材料库的信息（哪些材料可复用），'
            f"链接于 {esc(meta.personal_until)} 失效。长期有效、不含个人信息的链接：{_link(meta.plain_url)}</p></section>"
        )
    if meta.personal_expired:
        out.append(
            '<section class="banner banner-personal" role="note"><p>个人链接已失效或无效，以下为通用告知单'
            "（未按您的个人材料库标出可复用的材料）。</p></section>"
        )
    return "".join(out)


def notice_page(
    words: dict[str, Any], meta: NoticeMeta, changes: dict[str, Any], inline_css: bool = False
) -> str:
    """The whole page. ``inline_css`` for the PDF (a local file Chromium prints as it is)."""
    css = (
        f"<style>{(STATIC / 'notice.css').read_text(encoding='utf-8')}</style>"
        if inline_css
        else '<link rel="stylesheet" href="/static/notice.css">'
    )
    emblem = (STATIC / "emblem.svg").read_text(encoding="utf-8").replace('role="img"', 'aria-hidden="true"')
    tools = ""
    if meta.pdf_url is not None:
        tools = (
            '<nav class="tools" aria-label="告知单操作"><button type="button" class="btn" id="print">打印告知单</button>'
            f'<a class="btn btn-secondary" id="pdf" href="{esc(meta.pdf_url)}">下载 PDF</a></nav>'
            '<script src="/static/notice.js" defer></script>'
        )
    cite = words["citation"]
    version = cite.get("version") or {}
    matters = "".join(
        f"<tr><td>{esc(m['name'])}</td><td>{esc(m['department'])}</td><td>{esc(m['days'])}</td></tr>"
        for m in words["matters"]
    )
    incomplete = (
        f'<p class="warning"><strong>注意：</strong>{esc(words["incomplete"])}。以下仅供参考，请以窗口告知为准。</p>'
        if words["incomplete"]
        else ""
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>一次告知单 · {esc(words["scenario"])}</title>
{css}
</head>
<body>
<header class="notice-header">
  <div class="emblem">{emblem}</div>
  <div><p class="issuer">{esc(meta.header)}</p><p class="kind">一次告知单</p></div>
  <dl class="meta">
    <div><dt>编号</dt><dd id="code">{esc(meta.code)}</dd></div>
    <div><dt>材料库版本</dt><dd id="version">v{esc(version.get("number", "?"))}（{esc(version.get("date", ""))}）</dd></div>
    <div><dt>生成时间</dt><dd>{esc(meta.generated)}</dd></div>
  </dl>
</header>
{tools}
<main id="main">
{_banners(meta, changes)}
<h1>{esc(words["scenario"])}</h1>
<p class="region">适用地区：{esc(words["region"])}</p>
<section aria-labelledby="h-situation"><h2 id="h-situation">您的情况</h2>{_situation(words)}</section>
<section aria-labelledby="h-materials">
  <h2 id="h-materials">材料清单</h2>
  <p class="summary" id="summary">{esc(words["summary"])}</p>
  {incomplete}
  <table class="materials">
    <thead><tr><th scope="col">序号</th><th scope="col">材料</th><th scope="col">状态</th><th scope="col">从哪里取得 / 说明</th></tr></thead>
    {_rows(words["groups"])}
  </table>
</section>
<section aria-labelledby="h-departments">
  <h2 id="h-departments">办理部门与时限</h2>
  <p><strong>牵头部门：</strong>{esc(words["lead_department"])}；<strong>协同部门：</strong>{esc(words["cooperating_departments"])}</p>
  <p><strong>承诺办结时限：</strong><span id="days">{esc(words["days"])}</span></p>
  {f'<table class="matters"><thead><tr><th scope="col">子事项</th><th scope="col">经办部门</th><th scope="col">时限</th></tr></thead><tbody>{matters}</tbody></table>' if matters else ""}
</section>
<section aria-labelledby="h-how"><h2 id="h-how">如何办理</h2>{_how(words)}</section>
<footer class="source" aria-labelledby="h-source">
  <h2 id="h-source">依据</h2>
  <p id="citation">来源：{esc(cite["guide"])} {_link(cite["url"]) if cite["url"] else "（指南未给出网址）"} · {esc(version_text(cite["version"]))}</p>
  <p class="muted">本告知单依据上述办事指南，由“一件事”材料库生成：“免提交”指政府部门通过电子证照或数据共享获取、或系统自动生成；实际以受理窗口审核为准。</p>
</footer>
</main>
</body>
</html>
"""
