/*
 * The one-time notice for a caller (bot/notice/web.py): once the workspace has settled a matter,
 * staff can issue its notice (the page and the PDF to read out or send a link to) and its SMS
 * version, split into numbered segments that each stand alone, each with a copy button.
 */
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const C = window.OnceOnlyConsole;
  let settled = null;

  async function copy(text, button, label) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // No clipboard permission (an http page, an old browser): select the text for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(button.previousSibling || button);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    button.textContent = '已' + label;
    setTimeout(() => (button.textContent = label), 1500);
  }

  function segments(result) {
    const list = C.el('ol', { class: 'sms-segments', id: 'sms-segments', 'aria-label': '短信分段' });
    result.sms.forEach((text, i) => {
      const label = `复制第 ${i + 1} 条`;
      const button = C.el('button', { type: 'button', class: 'btn btn-small btn-secondary sms-copy', text: label });
      button.addEventListener('click', () => copy(text, button, label));
      list.append(C.el('li', {}, C.el('span', { class: 'sms-text', text }), button, C.el('span', { class: 'sms-len', text: `${text.length}/${result.sms_limit} 字` })));
    });
    return list;
  }

  function show(result) {
    const all = C.el('button', { type: 'button', class: 'btn btn-small btn-secondary', text: '复制全部短信' });
    all.addEventListener('click', () => copy(result.sms.join('\n'), all, '复制全部短信'));
    $('notice-result').replaceChildren(
      C.el('p', {}, C.el('a', { href: result.links.url, target: '_blank', rel: 'noopener', id: 'notice-link', text: `打开一次告知单（${result.code}）` }),
        ' · ', C.el('a', { href: result.links.pdf, target: '_blank', rel: 'noopener', text: 'PDF' })),
      C.el('h4', { text: `短信版（${result.sms.length} 条，每条不超过 ${result.sms_limit} 字，各自独立成文）` }),
      segments(result), all);
  }

  function render() {
    const button = C.el('button', { type: 'button', class: 'btn btn-secondary', id: 'notice-issue', text: '生成一次告知单与短信' });
    button.disabled = !settled;
    button.addEventListener('click', async () => {
      $('notice-error').textContent = '';
      try {
        show(await C.api('/notice', { scenario: settled.scenario.id, answers: settled.answers }));
      } catch (e) {
        $('notice-error').textContent = e.message;
      }
    });
    $('notice-tools').replaceChildren(
      C.el('h3', { text: '一次告知单 · 短信' }),
      button,
      C.el('p', { class: 'error', id: 'notice-error', role: 'alert' }),
      C.el('div', { id: 'notice-result', 'aria-live': 'polite' }));
  }

  document.addEventListener('onceonly:assist', (event) => {
    const r = event.detail;
    const next = r.scenario ? { scenario: r.scenario, answers: r.answers || {} } : null;
    const same = JSON.stringify(next) === JSON.stringify(settled);
    settled = next;
    if (!same || !$('notice-issue')) render();
  });
  render();
})();
