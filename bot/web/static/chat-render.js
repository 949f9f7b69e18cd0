/*
 * How bot messages look, for the citizen widget and the staff console alike:
 * simple markdown (bold, links, bullet lines, line breaks) and the checklist card.
 * Everything is built as DOM nodes from text, never from HTML strings, so nothing
 * a message contains can run as markup.
 */
(function (global) {
  'use strict';

  const STRINGS = {
    'zh-CN': {
      checklist: '材料清单',
      toSubmit: '还需提交',
      exempt: '免提交',
      reusable: '可直接复用',
      submittedOn: (date, channel) => `${date} 已提交${channel ? `（${channel}）` : ''}`,
      dependsOn: '视情况',
      source: '办事指南原文',
      incomplete: '注意',
      items: (n) => `${n} 项`,
      none: '无',
      notice: '打印一次告知单',
      pdf: '下载 PDF',
      noticeHint: '一次告知单：可打印、可存为 PDF 的完整清单',
      feedbackQuestion: '这个回答有帮助吗？',
      feedbackThanks: '谢谢您的反馈',
      citeLead: '来源',
      citeGuide: '办事指南',
      citeVersion: '材料库版本',
      callbackTitle: '预约回电',
      callbackPhone: '手机或固定电话（固话请带区号）',
      callbackWindow: '方便接听的时间',
      callbackSend: '提交预约',
      callbackSending: '正在提交…',
      callbackDone: (masked, when) => `已预约：工作人员将在 ${when} 回电 ${masked}。`,
      callbackFailed: '提交失败：',
    },
    en: {
      checklist: 'Checklist',
      toSubmit: 'Still to submit',
      exempt: 'Exempt',
      reusable: 'Reusable',
      submittedOn: (date, channel) => `submitted ${date}${channel ? ` (${channel})` : ''}`,
      dependsOn: 'depends',
      source: 'Official guide',
      incomplete: 'Note',
      items: (n) => `${n} item${n === 1 ? '' : 's'}`,
      none: 'none',
      notice: 'Print the one-time notice',
      pdf: 'Download PDF',
      noticeHint: 'One-time notice: the complete list to print or save as PDF',
      feedbackQuestion: 'Was this answer helpful?',
      feedbackThanks: 'Thank you for your feedback',
      citeLead: 'Source',
      citeGuide: 'Guide',
      citeVersion: 'Registry version',
      callbackTitle: 'Request a call back',
      callbackPhone: 'Mobile or landline (with area code)',
      callbackWindow: 'When we may call',
      callbackSend: 'Request the call',
      callbackSending: 'Sending…',
      callbackDone: (masked, when) => `Booked: staff will call ${masked} ${when}.`,
      callbackFailed: 'Could not send: ',
    },
  };

  function strings(lang) {
    return STRINGS[String(lang || '').toLowerCase().startsWith('en') ? 'en' : 'zh-CN'];
  }

  function el(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function link(doc, href, label) {
    const a = el(doc, 'a', 'oo-link', label);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  // **bold**, [label](http…) and bare http(s) URLs; everything else is text.
  const INLINE = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s，。；、）)]+)/g;

  function inline(doc, text) {
    const out = doc.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      if (m.index > last) out.append(text.slice(last, m.index));
      if (m[1] !== undefined) {
        out.append(el(doc, 'strong', null, m[1]));
      } else {
        const href = safeUrl(m[3] || m[4]);
        out.append(href ? link(doc, href, m[2] || m[4]) : m[0]);
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) out.append(text.slice(last));
    return out;
  }

  const BULLET = /^\s*(?:[•·\-*])\s+/;

  /** Lines into paragraphs and bullet lists; a blank line ends a paragraph. */
  function markdown(doc, text) {
    const out = doc.createDocumentFragment();
    let paragraph = null;
    let list = null;
    for (const line of String(text || '').split('\n')) {
      if (!line.trim()) {
        paragraph = list = null;
        continue;
      }
      if (BULLET.test(line)) {
        paragraph = null;
        if (!list) out.append((list = el(doc, 'ul', 'oo-md-list')));
        const li = el(doc, 'li');
        li.append(inline(doc, line.replace(BULLET, '')));
        list.append(li);
        continue;
      }
      list = null;
      if (paragraph) paragraph.append(el(doc, 'br'));
      else out.append((paragraph = el(doc, 'p', 'oo-md-p')));
      paragraph.append(inline(doc, line));
    }
    return out;
  }

  function item(doc, entry, detail, detailClass) {
    const li = el(doc, 'li', 'oo-item');
    li.dataset.material = entry.material;
    const roles = entry.roles && entry.roles.length ? `（${entry.roles.join('、')}）` : '';
    li.append(el(doc, 'span', 'oo-item-name', entry.name + roles));
    if (detail) li.append(el(doc, 'span', detailClass, detail));
    return li;
  }

  function section(doc, className, title, count, t) {
    const s = el(doc, 'section', 'oo-card-section ' + className);
    const h = el(doc, 'h4', 'oo-card-h', title);
    h.append(el(doc, 'span', 'oo-card-n', t.items(count)));
    s.append(h);
    return s;
  }

  /**
   * The checklist card (bot/render.py checklist_card): summary counts, then what to
   * submit grouped by issuer, then what is exempt and why, then what can be reused
   * and when it was submitted; then the one-time notice's links, the citation, and (when
   * ``options.onFeedback`` is given: the widget, not the console) 有帮助 / 没帮助.
   */
  function checklistCard(doc, card, lang, options) {
    const t = strings(lang);
    const s = card.summary || {};
    const root = el(doc, 'article', 'oo-card');
    root.setAttribute('aria-label', `${t.checklist}：${(card.scenario || {}).name || ''}`);
    root.append(el(doc, 'h3', 'oo-card-title', (card.scenario || {}).name || t.checklist));
    root.append(el(doc, 'p', 'oo-card-summary', card.summary_text || ''));

    const counts = el(doc, 'dl', 'oo-card-counts');
    for (const [key, label] of [['to_submit', t.toSubmit], ['exempt', t.exempt], ['reusable', t.reusable]]) {
      const box = el(doc, 'div', 'oo-count oo-count-' + key);
      box.append(el(doc, 'dt', null, label), el(doc, 'dd', null, s[key] || 0));
      counts.append(box);
    }
    root.append(counts);
    if (card.materials_incomplete) {
      root.append(el(doc, 'p', 'oo-card-note', `${t.incomplete}：${card.materials_incomplete}`));
    }

    const groups = card.to_submit || [];
    const submit = section(doc, 'oo-card-submit', t.toSubmit, groups.reduce((n, g) => n + g.items.length, 0), t);
    for (const group of groups) {
      const g = el(doc, 'div', 'oo-group');
      g.dataset.issuer = group.issuer_kind;
      g.append(el(doc, 'h5', 'oo-group-h', group.label));
      const ul = el(doc, 'ul', 'oo-items');
      for (const entry of group.items) {
        const li = item(doc, entry, entry.obtain_from, 'oo-item-where');
        if (entry.depends_on_situation) {
          li.append(el(doc, 'span', 'oo-item-cond', `${t.dependsOn}${entry.condition ? '：' + entry.condition : ''}`));
        }
        ul.append(li);
      }
      g.append(ul);
      submit.append(g);
    }
    if (!groups.length) submit.append(el(doc, 'p', 'oo-card-none', t.none));
    root.append(submit);

    const exempt = card.exempt || [];
    const ex = section(doc, 'oo-card-exempt', t.exempt, exempt.length, t);
    const exUl = el(doc, 'ul', 'oo-items');
    for (const entry of exempt) exUl.append(item(doc, entry, entry.reason, 'oo-item-reason'));
    ex.append(exempt.length ? exUl : el(doc, 'p', 'oo-card-none', t.none));
    root.append(ex);

    const reusable = card.reusable || [];
    if (reusable.length) {
      const re = section(doc, 'oo-card-reuse', t.reusable, reusable.length, t);
      const reUl = el(doc, 'ul', 'oo-items');
      for (const entry of reusable) {
        reUl.append(item(doc, entry, t.submittedOn(entry.submitted_at, entry.channel), 'oo-item-date'));
      }
      re.append(reUl);
      root.append(re);
    }

    const notice = card.notice && safeUrl(card.notice.url || '');
    if (notice) {
      const box = el(doc, 'div', 'oo-card-notice');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', t.noticeHint);
      const open = link(doc, notice, t.notice);
      open.className = 'oo-notice-link';
      box.append(open);
      const pdf = safeUrl(card.notice.pdf || '');
      if (pdf) {
        const a = link(doc, pdf, t.pdf);
        a.className = 'oo-notice-pdf';
        box.append(a);
      }
      root.append(box);
    }
    if (card.citation) {
      root.append(citation(doc, card.citation, lang));
    } else {
      const href = safeUrl(((card.source || {}).official_url) || '');
      if (href) {
        const p = el(doc, 'p', 'oo-card-source');
        p.append(link(doc, href, t.source));
        root.append(p);
      }
    }
    if (options && options.onFeedback && (card.feedback || []).length) {
      root.append(feedback(doc, card.feedback, t, options));
    }
    return root;
  }

  /**
   * Where an answer comes from (bot/render.py citation): one short line that expands to the
   * guide, its official URL and the registry version it was read from.
   */
  function citation(doc, cite, lang) {
    const t = strings(lang);
    const details = el(doc, 'details', 'oo-cite');
    const version = cite.version ? `v${cite.version.number}（${cite.version.date}）` : '';
    details.append(el(doc, 'summary', 'oo-cite-line', `${t.citeLead}：${cite.guide}${version ? ' · ' + version : ''}`));
    const dl = el(doc, 'dl', 'oo-cite-parts');
    const href = safeUrl(cite.url || '');
    const guide = el(doc, 'dd');
    guide.append(href ? link(doc, href, href) : doc.createTextNode(cite.guide));
    dl.append(el(doc, 'dt', null, t.citeGuide), guide);
    dl.append(el(doc, 'dt', null, t.citeVersion), el(doc, 'dd', null, version || '—'));
    details.append(dl);
    return details;
  }

  /** 有帮助 / 没帮助 under an answer; ``options.onFeedback(button)`` sends the choice. */
  function feedback(doc, buttons, t, options) {
    const box = el(doc, 'div', 'oo-feedback');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', t.feedbackQuestion);
    box.append(el(doc, 'span', 'oo-feedback-q', t.feedbackQuestion));
    const chosen = options.feedbackGiven || null;
    for (const b of buttons) {
      const button = el(doc, 'button', 'oo-feedback-btn', b.title);
      button.type = 'button';
      button.dataset.payload = b.payload;
      button.setAttribute('aria-pressed', String(chosen === b.payload));
      if (chosen) button.disabled = true;
      button.addEventListener('click', () => {
        for (const other of box.querySelectorAll('button')) {
          other.disabled = true;
          other.setAttribute('aria-pressed', String(other === button));
        }
        box.querySelector('.oo-feedback-q').textContent = t.feedbackThanks;
        options.onFeedback(b);
      });
      box.append(button);
    }
    if (chosen) box.querySelector('.oo-feedback-q').textContent = t.feedbackThanks;
    return box;
  }

  /**
   * The after-hours callback request (bot/callback/offer.py): a phone number and a time window,
   * posted to our web server with the offer's sealed token; never sent into the chat.
   * ``options.done`` shows an earlier booking; ``options.onBooked(result)`` keeps one;
   * ``options.postUrl``: where to post (the widget's own server; else the offer's URL).
   */
  function callbackForm(doc, offer, lang, options) {
    const t = strings(lang);
    const box = el(doc, 'form', 'oo-callback');
    box.setAttribute('aria-label', t.callbackTitle);
    if (options && options.done) {
      box.append(el(doc, 'p', 'oo-callback-done', t.callbackDone(options.done.masked, options.done.window)));
      return box;
    }
    const id = 'oo-cb-' + Math.random().toString(36).slice(2, 8);
    box.append(el(doc, 'h4', 'oo-callback-h', t.callbackTitle));
    const phoneLabel = el(doc, 'label', null, t.callbackPhone);
    phoneLabel.htmlFor = id + '-phone';
    const phone = el(doc, 'input', 'oo-callback-phone');
    Object.assign(phone, { id: id + '-phone', type: 'tel', name: 'phone', required: true, maxLength: 20, autocomplete: 'tel', inputMode: 'tel' });
    const windowLabel = el(doc, 'label', null, t.callbackWindow);
    windowLabel.htmlFor = id + '-window';
    const select = el(doc, 'select', 'oo-callback-window');
    Object.assign(select, { id: id + '-window', name: 'window', required: true });
    for (const w of offer.windows || []) {
      const option = el(doc, 'option', null, w.label);
      option.value = w.id;
      select.append(option);
    }
    const submit = el(doc, 'button', 'oo-callback-send', t.callbackSend);
    submit.type = 'submit';
    const status = el(doc, 'p', 'oo-callback-status');
    status.setAttribute('role', 'status');
    box.append(phoneLabel, phone, windowLabel, select, submit, status);
    box.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      status.textContent = t.callbackSending;
      try {
        const response = await fetch((options && options.postUrl) || offer.post_url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ token: offer.token, phone: phone.value, window: select.value }),
          credentials: 'omit',
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error((data.error && data.error.message) || String(response.status));
        const done = { masked: data.phone_masked, window: data.window_label };
        box.replaceChildren(el(doc, 'p', 'oo-callback-done', t.callbackDone(done.masked, done.window)));
        if (options && options.onBooked) options.onBooked(done);
      } catch (e) {
        status.textContent = t.callbackFailed + e.message;
        submit.disabled = false;
      }
    });
    return box;
  }

  global.OnceOnlyRender = { markdown, checklistCard, citation, callbackForm, strings };
})(window);
