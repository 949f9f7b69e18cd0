/*
 * The hotline staff console (served only to signed-in staff). Three parts, each a
 * small section of this file: the queue of conversations waiting for a person, the
 * open conversation (take / reply / send the checklist / hand back), and the
 * workspace for a caller on the phone (identify as they type, the questions still
 * open, the checklist, the citizen's file with its audit log). All data comes from
 * /console/api (bot/web/console_api.py); the session cookie carries the login.
 */
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const R = window.OnceOnlyRender;
  const QUEUE_EVERY = 3000;
  const CHAT_EVERY = 2000;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? '' : v);
    }
    node.append(...children);
    return node;
  }

  async function api(path, body) {
    const response = await fetch('/console/api' + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (response.status === 401) {
      window.location.reload(); // the session ended: show the login page
      throw new Error('需要重新登录');
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((data.error && data.error.message) || `请求失败（${response.status}）`);
    return data;
  }

  const time = (seconds) => (seconds ? new Date(seconds * 1000).toLocaleTimeString('zh-CN', { hour12: false }) : '');
  const since = (seconds) => {
    if (!seconds) return '';
    const minutes = Math.max(0, Math.round((Date.now() / 1000 - seconds) / 60));
    return minutes < 1 ? '刚刚' : `${minutes} 分钟前`;
  };

  // -- the queue ---------------------------------------------------------------------
  let current = null; // the open conversation's id
  let currentData = null;

  // The matter the bot settled on (with its checklist), else the latest entry it identified (any kind).
  function entryName(c) {
    if (c.scenario) return c.scenario.name;
    if (c.identified) return `${c.identified.name}${c.identified.kind === 'catalogue' ? '（仅目录，无材料清单）' : ''}`;
    return '尚未识别事项';
  }

  function queueItem(c) {
    if (c.kind === 'callback') return callbackItem(c);
    const last = c.last_messages.filter((m) => m.from === 'citizen').slice(-1)[0];
    const state = c.handoff === 'taken' ? `由 ${c.taken_by || '坐席'} 接入中` : '等待人工';
    const button = el('button', { type: 'button', class: 'queue-item', 'data-id': c.id, 'data-state': c.handoff, 'aria-current': c.id === current ? 'true' : 'false' },
      el('span', { class: 'q-title', text: entryName(c) }),
      el('span', { class: 'q-meta', text: `${state} · ${since(c.requested_at)}转人工${c.citizen_id ? ' · 已登录' : ''}` }),
      el('span', { class: 'q-last', text: last ? `群众：${last.text}` : '' }));
    button.addEventListener('click', () => openConversation(c.id));
    return el('li', {}, button);
  }

  // An after-hours callback request (bot/callback/): shown by console-callbacks.js in the chat panel.
  function callbackItem(c) {
    const button = el('button', { type: 'button', class: 'queue-item', 'data-id': c.id, 'data-state': 'callback', 'aria-current': 'false' },
      el('span', { class: 'q-title', text: `预约回电 · ${c.scenario ? c.scenario.name : '尚未识别事项'}` }),
      el('span', { class: 'q-meta', text: `${c.phone_masked} · ${c.window_label} · ${since(c.requested_at)}预约` }));
    button.addEventListener('click', () => {
      current = null;
      currentData = null;
      $('chat-empty').hidden = true;
      $('chat-body').hidden = true;
      for (const item of document.querySelectorAll('.queue-item')) item.setAttribute('aria-current', String(item === button));
      window.OnceOnlyCallbacks.open(c.callback_id);
    });
    return el('li', {}, button);
  }

  async function refreshQueue() {
    try {
      const { conversations } = await api('/queue');
      $('queue-list').replaceChildren(...conversations.map(queueItem));
      $('queue-count').textContent = String(conversations.length);
      $('queue-status').textContent = conversations.length ? `更新于 ${time(Date.now() / 1000)}` : '暂无等待人工的对话';
    } catch (e) {
      $('queue-status').textContent = `队列读取失败：${e.message}`;
    }
  }

  // -- the open conversation ------------------------------------------------------------
  function transcriptNode(m) {
    const who = { citizen: '群众', bot: '智能助手', staff: '人工客服' }[m.from] || m.from;
    const node = el('div', { class: `t-msg t-${m.from}` }, el('span', { class: 't-who', text: `${who} ${time(m.at)}` }));
    if (m.card) node.append(R.checklistCard(document, m.card, 'zh-CN'));
    else if (m.from === 'citizen') node.append(el('span', { text: m.text }));
    else node.append(R.markdown(document, m.text));
    return node;
  }

  function summaryNode(c) {
    const answers = c.answers.length
      ? el('ul', {}, ...c.answers.map((a) => el('li', { text: `${a.question} → ${a.answer}` })))
      : el('span', { class: 'muted', text: '还没有回答' });
    const rows = [
      ['事项', c.scenario || c.identified ? entryName(c) : '尚未识别'],
      ['已答情形', answers],
      ['群众身份', c.citizen_id ? `已登录（编号 ${c.citizen_id}）` : '未登录'],
      ['状态', c.handoff === 'taken' ? `由 ${c.taken_by} 接入，机器人已暂停` : c.handoff === 'requested' ? '等待人工，机器人仍在应答' : '已交还机器人'],
      ['对话编号', c.id],
    ];
    return rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]);
  }

  function showConversation(c) {
    const stick = $('transcript').scrollTop + $('transcript').clientHeight >= $('transcript').scrollHeight - 20;
    currentData = c;
    $('chat-empty').hidden = true;
    $('chat-body').hidden = false;
    $('chat-summary').replaceChildren(...summaryNode(c));
    const mine = c.handoff === 'taken' && c.taken_by === $('staff-name').textContent;
    $('take').disabled = c.handoff !== 'requested';
    $('release').disabled = !mine;
    $('reply-send').disabled = !mine;
    $('send-card').disabled = !mine || !cardChoice();
    $('card-hint').textContent = cardHint();
    const count = $('transcript').childElementCount;
    if (count !== c.messages.length) {
      $('transcript').replaceChildren(...c.messages.map(transcriptNode));
      if (stick || !count) $('transcript').scrollTop = $('transcript').scrollHeight;
    }
    for (const item of document.querySelectorAll('.queue-item')) {
      item.setAttribute('aria-current', item.dataset.id === current ? 'true' : 'false');
    }
  }

  async function openConversation(id) {
    current = id;
    $('callback-body').hidden = true;
    $('transcript').replaceChildren();
    $('chat-error').textContent = '';
    try {
      showConversation(await api(`/conversations/${encodeURIComponent(id)}`));
    } catch (e) {
      $('chat-error').textContent = e.message;
    }
  }

  async function refreshConversation() {
    if (!current) return;
    try {
      showConversation(await api(`/conversations/${encodeURIComponent(current)}`));
    } catch (e) {
      /* shown on the next action */
    }
  }

  async function act(path, body) {
    $('chat-error').textContent = '';
    try {
      showConversation(await api(`/conversations/${encodeURIComponent(current)}/${path}`, body || {}));
      refreshQueue();
      return true;
    } catch (e) {
      $('chat-error').textContent = e.message;
      return false;
    }
  }

  // The checklist to send: the workspace's matter when staff settled one there, else the bot's.
  function cardChoice() {
    if (workspace.scenario) return { scenario: workspace.scenario.id, answers: workspace.answers, name: workspace.scenario.name };
    if (currentData && currentData.scenario) return { scenario: currentData.scenario.id, answers: currentData.answer_ids, name: currentData.scenario.name };
    return null;
  }
  function cardHint() {
    const choice = cardChoice();
    return choice ? `“发送材料清单”将发送：${choice.name}（按已答情形）` : '先在工作台识别或选择事项，才能发送材料清单。';
  }

  $('take').addEventListener('click', () => act('take'));
  $('release').addEventListener('click', () => act('release'));
  $('reply').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('reply-text').value.trim();
    if (!text) return;
    if (await act('reply', { text })) $('reply-text').value = '';
  });
  $('reply-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      $('reply').requestSubmit();
    }
  });
  $('send-card').addEventListener('click', () => {
    const choice = cardChoice();
    if (choice) act('checklist', { scenario: choice.scenario, answers: choice.answers });
  });
  $('to-assist').addEventListener('click', () => {
    if (!currentData) return;
    const said = currentData.messages.filter((m) => m.from === 'citizen' && !m.text.startsWith('/')).map((m) => m.text);
    $('caller-text').value = said.join('，').slice(0, 500);
    workspace.answers = {};
    assist();
    $('caller-text').focus();
  });

  // -- the workspace: a caller on the phone ------------------------------------------------
  const workspace = { scenario: null, answers: {}, picked: '' };
  let assistTimer = null;
  let assistSeq = 0;

  const KIND = { scenario: '一件事', matter: '事项', catalogue: '事项·仅目录' };
  const kindTag = (kind) => el('span', { class: `kind-tag kind-${kind}`, text: KIND[kind] || kind });

  function identifiedNode(r) {
    const picked = workspace.picked && (r.scenario || r.catalogue);
    if (picked) return el('span', {}, '已选定 ', el('strong', { text: picked.name }), ' ', kindTag(r.scenario ? r.scenario.kind || 'scenario' : 'catalogue'));
    if (!r.decision) return el('span', { class: 'muted', text: '输入来电人说的话，这里会显示识别出的事项。' });
    if (r.decision === 'vague') return el('span', {}, '来电人说得比较笼统', el('span', { class: 'muted', text: '（请问清是哪一类事；下面是最可能的几类）' }));
    if (!r.entry) return el('span', {}, '未识别出登记的事项', el('span', { class: 'muted', text: '（不在材料库和事项目录范围内，或需要更多描述）' }));
    const confidence = r.confidence === null ? null : Math.round(r.confidence * 100);
    const label = { identified: '识别为', clarify: '可能是', none: '不太确定' }[r.decision] || '事项';
    const bar = el('span', { class: 'confidence', role: 'img', 'aria-label': `置信度 ${confidence}%` }, el('span', {}));
    bar.firstChild.style.width = `${confidence || 0}%`;
    return el('span', {}, `${label} `, el('strong', { text: r.entry.name }), ' ', kindTag(r.entry.kind),
      confidence === null ? '' : el('span', {}, ' ', bar, ` ${confidence}%`));
  }

  function candidatesNode(r) {
    const box = el('div', { class: 'candidates' });
    if (r.decision === 'vague' && (r.families || []).length) {
      box.append(el('span', { class: 'muted', text: '可能是：' }));
      for (const f of r.families) {
        const b = el('button', { type: 'button', class: 'btn btn-secondary btn-small family', text: f.label });
        b.addEventListener('click', () => {
          $('caller-text').value = f.text;
          workspace.answers = {};
          assist();
        });
        box.append(b);
      }
      return box;
    }
    const shown = workspace.picked ? workspace.picked : r.entry && r.entry.id;
    const others = r.ranking.filter((c) => c.id !== shown && c.confidence >= 0.01);
    if (!others.length) return el('span');
    box.append(el('span', { class: 'muted', text: '其他可能：' }));
    for (const c of others) {
      const b = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-id': c.id, 'data-kind': c.kind, text: `${c.name}（${KIND[c.kind] || c.kind}）${Math.round(c.confidence * 100)}%` });
      b.addEventListener('click', () => pick(c.id));
      box.append(b);
    }
    return box;
  }

  // A matter known only from the catalogue: its facts, the official guide, the hotline; no materials.
  function catalogueNode(c) {
    const rows = [['主管部门', c.department || '目录未写明'], ['事项类型', c.matter_type || '目录未写明'],
      ['主题分类', (c.categories || []).join('、') || '目录未写明'], ['咨询电话', c.hotline]];
    const link = c.official_url && /^https?:\/\//.test(c.official_url)
      ? el('a', { href: c.official_url, target: '_blank', rel: 'noopener', id: 'catalogue-link', text: '官方办事指南' })
      : el('span', { class: 'muted', text: '目录没有给出官方办事指南的网址' });
    return el('div', { class: 'catalogue-answer', id: 'catalogue-answer' },
      el('h3', {}, c.name, ' ', kindTag('catalogue')),
      el('p', { class: 'warning', text: c.note }),
      el('dl', { class: 'summary' }, ...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])),
      el('p', {}, link));
  }

  // A matter that a one-thing scenario bundles: offer the whole scenario.
  function relatedNode(r) {
    if (!r.related || !r.related.length) return el('span');
    const box = el('div', { class: 'candidates related', id: 'related' }, el('span', { class: 'muted', text: '这件事可以和其他事项一起办：' }));
    for (const s of r.related) {
      const b = el('button', { type: 'button', class: 'btn btn-secondary btn-small', 'data-id': s.id, text: s.name });
      b.addEventListener('click', () => pick(s.id));
      box.append(b);
    }
    return box;
  }

  function questionsNode(r) {
    if (!r.scenario) return el('span');
    if (!r.questions.length) return el('p', { class: 'muted', text: '情形都已问清，下面是完整清单。' });
    const box = el('div', {}, el('h3', { text: `还需问清的情形（${r.questions.length}）` }));
    for (const q of r.questions) {
      const group = el('div', { class: 'question', role: 'group', 'aria-label': q.text }, el('p', { text: q.text }));
      const options = el('div', { class: 'candidates' });
      for (const o of q.options) {
        const b = el('button', { type: 'button', class: 'btn btn-secondary btn-small option', 'aria-pressed': String(workspace.answers[q.id] === o.id), text: o.label });
        b.addEventListener('click', () => {
          workspace.answers[q.id] = o.id;
          assist();
        });
        options.append(b);
      }
      group.append(options);
      box.append(group);
    }
    return box;
  }

  function showAssist(r) {
    workspace.scenario = r.scenario;
    if (r.scenario) workspace.answers = { ...r.answers };
    $('identified').replaceChildren(identifiedNode(r));
    $('candidates').replaceChildren(candidatesNode(r));
    $('questions').replaceChildren(questionsNode(r));
    $('assist-extra').replaceChildren(r.catalogue ? catalogueNode(r.catalogue) : relatedNode(r));
    $('assist-card').replaceChildren(r.checklist ? R.checklistCard(document, r.checklist, 'zh-CN') : '');
    document.dispatchEvent(new CustomEvent('onceonly:assist', { detail: r })); // console-notice.js
    if (currentData) showConversation(currentData);
  }

  async function assist() {
    const seq = ++assistSeq;
    $('assist-error').textContent = '';
    try {
      const body = { text: $('caller-text').value, answers: workspace.answers };
      if (workspace.picked) body.scenario = workspace.picked;
      const result = await api('/assist', body);
      if (seq === assistSeq) showAssist(result); // a slower, older answer never overwrites a newer one
    } catch (e) {
      if (seq === assistSeq) $('assist-error').textContent = e.message;
    }
  }

  function pick(id) {
    workspace.picked = id;
    workspace.answers = {};
    $('scenario-pick').value = id; // an entry not in the picker (catalogue-only) leaves it blank
    assist();
  }

  $('caller-text').addEventListener('input', () => {
    clearTimeout(assistTimer);
    if (!workspace.picked) workspace.answers = {};
    assistTimer = setTimeout(assist, 250);
  });
  $('scenario-pick').addEventListener('change', (event) => pick(event.target.value));

  async function loadScenarios() {
    try {
      const { scenarios } = await api('/scenarios');
      for (const [kind, label] of [['scenario', '一件事'], ['matter', '事项']]) {
        const group = el('optgroup', { label });
        group.append(...scenarios.filter((s) => (s.kind || 'scenario') === kind).map((s) => el('option', { value: s.id, text: s.name })));
        if (group.childElementCount) $('scenario-pick').append(group);
      }
    } catch (e) {
      $('assist-error').textContent = e.message;
    }
  }

  // -- staff search the whole registry by name ---------------------------------------------
  function searchResult(item) {
    const listed = item.materials_known === false ? 'catalogue' : item.kind;
    const meta = [KIND[listed] || listed, item.department, item.matter_type].filter(Boolean).join(' · ');
    const button = el('button', { type: 'button', class: 'linkish', 'data-id': item.id, 'data-kind': listed, text: item.name });
    button.addEventListener('click', () => pick(item.id));
    return el('li', {}, button, el('span', { class: 'muted small', text: ` ${meta}` }));
  }

  $('registry-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = $('registry-q').value.trim();
    if (!q) return;
    $('registry-status').textContent = '正在搜索…';
    try {
      const found = await api(`/registry-search?q=${encodeURIComponent(q)}`);
      const items = [...found.scenarios, ...found.matters];
      $('registry-results').replaceChildren(...items.map(searchResult));
      $('registry-status').textContent = items.length ? `找到 ${items.length} 项（点名称在工作台查看）` : '没有找到名称相符的事项';
    } catch (e) {
      $('registry-status').textContent = `搜索失败：${e.message}`;
    }
  });

  // -- the citizen's file, audited ----------------------------------------------------------
  function fileNode(r) {
    const box = el('div', {}, el('h3', { text: `群众 ${r.citizen_id} 的材料库（${r.file.length} 项）` }));
    if (!r.file.length) box.append(el('p', { class: 'muted', text: '材料库里没有材料。' }));
    else box.append(el('ul', {}, ...r.file.map((f) => el('li', { text: `${f.name || f.material}：${f.submitted_at || ''} 提交${f.channel ? `（${f.channel}）` : ''}${f.valid_until ? `，有效期至 ${f.valid_until}` : ''}` }))));
    if (r.checklist) box.append(el('h3', { text: '按该群众材料库计算的清单' }), R.checklistCard(document, r.checklist, 'zh-CN'));
    return box;
  }

  $('citizen-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('assist-error').textContent = '';
    const body = { citizen_id: $('citizen-id').value.trim(), reason: $('citizen-reason').value.trim(), answers: workspace.answers };
    if (workspace.scenario) body.scenario = workspace.scenario.id;
    else body.answers = {};
    if (current) body.conversation_id = current;
    try {
      $('citizen-result').replaceChildren(fileNode(await api('/citizen-file', body)));
    } catch (e) {
      $('assist-error').textContent = e.message;
    }
    refreshAudit();
  });

  async function refreshAudit() {
    try {
      const { entries } = await api('/audit?limit=50');
      $('audit-rows').replaceChildren(...entries.map((e) => el('tr', {},
        el('td', { text: new Date(e.at * 1000).toLocaleString('zh-CN', { hour12: false }) }),
        el('td', { text: e.staff }), el('td', { text: e.citizen_id }), el('td', { text: e.reason || '' }))));
    } catch (e) {
      $('assist-error').textContent = e.message;
    }
  }
  $('audit-refresh').addEventListener('click', refreshAudit);

  window.OnceOnlyConsole = { api, el, time, refreshQueue, transcriptNode }; // for console-callbacks.js and console-notice.js

  // -- start ------------------------------------------------------------------------------
  showAssist({ decision: null, entry: null, scenario: null, catalogue: null, related: [], families: [], ranking: [], questions: [], checklist: null, answers: {} });
  // Words typed (or restored by the browser) before this deferred script ran are read now, not lost.
  if ($('caller-text').value.trim()) assist();
  // Every deferred script has run by DOMContentLoaded: the page is ready to use (tests wait for it).
  document.addEventListener('DOMContentLoaded', () => { document.documentElement.dataset.ready = 'true'; });
  loadScenarios();
  refreshQueue();
  refreshAudit();
  setInterval(refreshQueue, QUEUE_EVERY);
  setInterval(refreshConversation, CHAT_EVERY);
})();
