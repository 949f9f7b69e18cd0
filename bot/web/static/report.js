/*
 * The maintainers' report page (bot/report/): reads /console/api/report and shows each section as a
 * table; the CSV link follows the chosen period. Built from text nodes only.
 */
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  function table(headers, rows, label) {
    if (!rows.length) return el('p', { class: 'muted', text: '暂无' });
    const wrap = el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label });
    wrap.append(el('table', { class: 'audit' },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { text: String(c) })))))));
    return wrap;
  }

  function show(data) {
    $('most-asked').replaceChildren(table(['事项', '对话数'], data.most_asked.map((r) => [r.name, r.conversations]), '问得最多的事项'));
    $('not-placed').replaceChildren(table(['原话', '情况', '次数'], data.not_placed.map((r) => [r.text, r.kind_label, r.count]), '没能识别的提问'));
    $('abandoned').replaceChildren(
      el('h3', { text: '“您是想办理…”没选就走了' }),
      table(['候选事项', '次数'], data.abandoned_choices.map((r) => [r.names.join(' / '), r.count]), '放弃了的事项选择'),
      el('h3', { text: '情形问题没答就走了' }),
      table(['事项', '问题', '次数'], data.abandoned_questions.map((r) => [r.name, r.question, r.count]), '放弃了的情形问题'));
    $('handoffs').replaceChildren(table(['事项', '工作时间', '非工作时间（预约回电）'], data.handoffs.map((r) => [r.name, r.requested, r.after_hours]), '转人工'));
    $('feedback').replaceChildren(table(['事项', '有帮助', '没帮助'], data.feedback.by_scenario.map((r) => [r.name, r.helpful, r.unhelpful]), '反馈'));
    $('unhelpful').replaceChildren(
      table(['事项', '材料', '次数'], data.feedback.unhelpful_by_material.map((r) => [r.name, r.material_name, r.count]), '没帮助的材料'),
      el('h3', { text: '原因' }),
      table(['原因', '次数'], data.feedback.unhelpful_by_reason.map((r) => [r.label, r.count]), '没帮助的原因'));
    $('report-status').textContent = `${data.conversations} 个对话 · ${data.period.from.slice(0, 10)} 至 ${data.period.to.slice(0, 10)}`;
  }

  async function load() {
    const days = $('days').value;
    $('csv').href = `/console/api/report.csv?days=${encodeURIComponent(days)}`;
    $('report-status').textContent = '正在读取…';
    try {
      const response = await fetch(`/console/api/report?days=${encodeURIComponent(days)}`, { credentials: 'same-origin' });
      if (response.status === 401) return window.location.assign('/console');
      const data = await response.json();
      if (!response.ok) throw new Error((data.error && data.error.message) || response.status);
      show(data);
    } catch (e) {
      $('report-status').textContent = `读取失败：${e.message}`;
    }
  }

  $('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('days').addEventListener('change', load);
  load();
})();
