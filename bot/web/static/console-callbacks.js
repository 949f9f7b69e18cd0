/*
 * After-hours callback requests in the console (bot/callback/web.py): the request with the
 * conversation so far, the number masked until a staff member chooses to call it (each reveal
 * is logged), and "标记已回电", which closes it and deletes the number.
 */
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const C = window.OnceOnlyConsole;
  let shown = null;

  function row(label, value) {
    return [C.el('dt', { text: label }), C.el('dd', {}, value)];
  }

  function render(c) {
    const phone = C.el('span', { class: 'callback-phone', id: 'callback-phone', text: c.phone_masked });
    const reveal = C.el('button', { type: 'button', class: 'btn btn-small btn-secondary', id: 'callback-reveal', text: '显示完整号码（记入日志）' });
    const done = C.el('button', { type: 'button', class: 'btn', id: 'callback-done', text: '标记已回电' });
    const status = C.el('p', { class: 'muted small', id: 'callback-status', role: 'status' });
    const error = C.el('p', { class: 'error', role: 'alert' });
    const log = c.reveals.length
      ? c.reveals.map((r) => `${r.staff} ${C.time(r.at)}`).join('；')
      : '尚无人查看';
    const transcript = C.el('div', { class: 'transcript', role: 'log', 'aria-label': '对话记录', tabindex: '0' }, ...c.messages.map(C.transcriptNode));
    const body = C.el('div', { class: 'callback', 'data-id': String(c.id) },
      C.el('h3', { text: '预约回电（非工作时间转人工）' }),
      C.el('dl', { class: 'summary' },
        ...row('事项', c.scenario_name || '尚未识别'),
        ...row('回电号码', C.el('span', {}, phone, ' ', reveal)),
        ...row('方便时间', c.window_label),
        ...row('渠道', c.channel || '未知'),
        ...row('预约时间', new Date(c.created_at * 1000).toLocaleString('zh-CN', { hour12: false })),
        ...row('号码查看记录', log),
        ...row('状态', c.status === 'done' ? `已由 ${c.done_by} 回电` : '待回电')),
      C.el('div', { class: 'actions' }, done), status, error,
      C.el('h3', { text: '对话记录' }), transcript);
    reveal.disabled = done.disabled = c.status !== 'pending';
    reveal.addEventListener('click', async () => {
      try {
        const r = await C.api(`/callbacks/${c.id}/reveal`, {});
        phone.textContent = r.phone;
        reveal.disabled = true;
      } catch (e) {
        error.textContent = e.message;
      }
    });
    done.addEventListener('click', async () => {
      try {
        await C.api(`/callbacks/${c.id}/done`, {});
        status.textContent = '已标记为已回电，号码已删除。';
        reveal.disabled = done.disabled = true;
        phone.textContent = c.phone_masked;
        C.refreshQueue();
      } catch (e) {
        error.textContent = e.message;
      }
    });
    $('callback-body').replaceChildren(body);
    $('callback-body').hidden = false;
    transcript.scrollTop = transcript.scrollHeight;
  }

  async function open(id) {
    shown = id;
    try {
      const c = await C.api(`/callbacks/${id}`);
      if (shown === id) render(c);
    } catch (e) {
      $('callback-body').replaceChildren(C.el('p', { class: 'error', role: 'alert', text: e.message }));
      $('callback-body').hidden = false;
    }
  }

  window.OnceOnlyCallbacks = { open };
})();
