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
   * and when it was submitted.
   */
  function checklistCard(doc, card, lang) {
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

    const href = safeUrl(((card.source || {}).official_url) || '');
    if (href) {
      const p = el(doc, 'p', 'oo-card-source');
      p.append(link(doc, href, t.source));
      root.append(p);
    }
    return root;
  }

  global.OnceOnlyRender = { markdown, checklistCard, strings };
})(window);
