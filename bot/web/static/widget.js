/*
 * The onceonly citizen chat widget. Embed with one tag:
 *
 *   <script src="https://our-server/widget.js" defer
 *           data-server-url="https://rasa-server"   (the Rasa server's Socket.IO)
 *           data-title="一件事 办事指引" data-lang="zh-CN"
 *           data-citizen-token="…"   (optional: a signed citizen token from the portal's login)
 *           data-open="false"></script>
 *
 * Everything else (its CSS, the shared renderer, socket.io-client) comes from the same
 * server as this file. The conversation id and the messages are kept in localStorage,
 * so a reload or a reconnect continues the same conversation (Rasa's socketio channel
 * with session_persistence). The host page can call window.OnceOnlyChat.open(),
 * .close(), .setCitizenToken(token), .newConversation().
 */
(function () {
  'use strict';
  if (window.OnceOnlyChat) return;

  const script = document.currentScript;
  const base = new URL('./', script.src).href;
  const data = script.dataset;
  const server = (data.serverUrl || '').replace(/\/+$/, '');
  const lang = data.lang || document.documentElement.lang || 'zh-CN';
  const english = lang.toLowerCase().startsWith('en');
  const STORE = 'onceonly.chat:' + server;
  const KEEP = 200; // messages kept across reloads

  const T = english
    ? {
        title: 'Government services guide',
        subtitle: 'Submit materials only once',
        open: 'Ask about a service',
        close: 'Close the chat',
        fresh: 'New chat',
        freshConfirm: 'Start a new conversation? This one will be cleared from this device.',
        input: 'Describe what you need to do',
        placeholder: 'e.g. We just had a baby: what do we need?',
        send: 'Send',
        hint: 'Enter sends, Shift+Enter starts a new line',
        log: 'Conversation',
        you: 'You',
        bot: 'Assistant',
        staff: 'Staff',
        replies: 'Quick replies',
        typing: 'The assistant is typing…',
        connecting: 'Connecting…',
        offline: (n) => `Cannot reach the service. Retrying${n ? ` (attempt ${n})` : ''}…`,
        retry: 'Retry now',
        notConnected: 'Not connected: your message will be sendable once the connection is back.',
        welcome: 'Hello! Tell me in your own words what is happening (a birth, retirement, opening a shop…) and I will tell you which materials you still need.',
        signedIn: 'Signed in: your earlier submissions count.',
      }
    : {
        title: '一件事 办事指引',
        subtitle: '材料只交一次',
        open: '办事咨询',
        close: '关闭对话窗口',
        fresh: '新对话',
        freshConfirm: '开始新对话？本设备上的这段对话记录会被清除。',
        input: '输入您要办的事',
        placeholder: '例如：孩子刚出生，要办哪些手续？',
        send: '发送',
        hint: 'Enter 发送，Shift+Enter 换行',
        log: '对话记录',
        you: '我',
        bot: '智能助手',
        staff: '人工客服',
        replies: '快捷回复',
        typing: '助手正在输入…',
        connecting: '正在连接…',
        offline: (n) => `暂时连不上服务，正在${n ? `第 ${n} 次` : ''}重试…`,
        retry: '立即重试',
        notConnected: '连接恢复后才能发送，您输入的内容会保留。',
        welcome: '您好！请用自己的话说说您遇到的事（比如孩子出生、退休、开饭店），我帮您算一算还需要带哪些材料。',
        signedIn: '已登录：您以前提交过的材料可直接复用。',
      };
  const title = data.title || T.title;

  // -- loading what the widget needs, from our own server ---------------------
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('cannot load ' + src));
      document.head.append(s);
    });
  }

  function loadDependencies() {
    return Promise.all([
      window.io ? null : loadScript(base + 'vendor/socket.io.min.js'),
      window.OnceOnlyRender ? null : loadScript(base + 'chat-render.js'),
    ]);
  }

  // -- state kept across reloads -------------------------------------------------
  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE) || '{}');
      return { sessionId: saved.sessionId || null, messages: saved.messages || [], open: !!saved.open };
    } catch (e) {
      return { sessionId: null, messages: [], open: false };
    }
  }
  const state = load();
  let citizenToken = data.citizenToken || null;
  function save() {
    try {
      state.messages = state.messages.slice(-KEEP);
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch (e) {
      /* private mode or full storage: the conversation still works, it just will not survive a reload */
    }
  }

  // -- the DOM, in a shadow root so the host page's styles do not leak in -------
  const host = document.createElement('div');
  host.id = 'onceonly-chat';
  const root = host.attachShadow({ mode: 'open' });
  const h = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (v === true) node.setAttribute(k, '');
      else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  };
  for (const css of ['chat-render.css', 'widget.css']) root.append(h('link', { rel: 'stylesheet', href: base + css }));

  const launcher = h('button', { class: 'oo-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'oo-panel' },
    h('span', { class: 'oo-launcher-icon', 'aria-hidden': 'true', text: '💬' }), h('span', { text: T.open }));
  const closeBtn = h('button', { class: 'oo-icon-btn oo-close', type: 'button', 'aria-label': T.close, text: '×' });
  const freshBtn = h('button', { class: 'oo-text-btn oo-new', type: 'button', text: T.fresh });
  const bannerText = h('span', { class: 'oo-banner-text' });
  const retryBtn = h('button', { class: 'oo-text-btn oo-retry', type: 'button', text: T.retry });
  const banner = h('div', { class: 'oo-banner', role: 'alert', hidden: true }, bannerText, retryBtn);
  const status = h('p', { class: 'oo-sr', role: 'status' });
  const log = h('div', { class: 'oo-log', role: 'log', 'aria-live': 'polite', 'aria-label': T.log, tabindex: '0' });
  const typing = h('p', { class: 'oo-typing', hidden: true, text: T.typing });
  const input = h('textarea', {
    id: 'oo-input', class: 'oo-input', rows: '2', placeholder: T.placeholder,
    enterkeyhint: 'send', 'aria-describedby': 'oo-hint', maxlength: '1000',
  });
  const sendBtn = h('button', { class: 'oo-send', type: 'submit', text: T.send });
  const form = h('form', { class: 'oo-form' }, h('label', { for: 'oo-input', class: 'oo-sr', text: T.input }), input, sendBtn);
  const signedIn = h('p', { class: 'oo-signed-in', hidden: true, text: T.signedIn });
  const panel = h('section', { class: 'oo-panel', id: 'oo-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'oo-title', hidden: true },
    h('div', { class: 'oo-header' },
      h('div', { class: 'oo-heading' }, h('h2', { id: 'oo-title', class: 'oo-title', text: title }), h('p', { class: 'oo-subtitle', text: T.subtitle })),
      h('div', { class: 'oo-header-actions' }, freshBtn, closeBtn)),
    banner, signedIn, log, typing, form, h('p', { id: 'oo-hint', class: 'oo-hint', text: T.hint }), status);
  root.append(h('div', { class: 'oo-root', lang: english ? 'en' : 'zh-CN' }, launcher, panel));

  // -- messages -------------------------------------------------------------------
  function messageNode(message, latest) {
    const who = message.from;
    const node = h('div', { class: `oo-msg oo-msg-${who}`, 'data-from': who });
    node.append(h('span', { class: who === 'staff' ? 'oo-who' : 'oo-sr', text: (who === 'user' ? T.you : who === 'staff' ? T.staff : T.bot) + '：' }));
    const bubble = h('div', { class: 'oo-bubble' });
    if (message.card && window.OnceOnlyRender) bubble.append(OnceOnlyRender.checklistCard(document, message.card, lang, answerOptions(message)));
    else if (who === 'user') bubble.textContent = message.text;
    else bubble.append(OnceOnlyRender.markdown(document, message.text));
    if (message.cite) bubble.append(OnceOnlyRender.citation(document, message.cite, lang));
    if (message.callback) bubble.append(OnceOnlyRender.callbackForm(document, message.callback, lang, callbackOptions(message)));
    node.append(bubble);
    if (latest && message.replies && message.replies.length) {
      const group = h('div', { class: 'oo-replies', role: 'group', 'aria-label': T.replies });
      for (const reply of message.replies) {
        const b = h('button', { type: 'button', class: 'oo-reply', text: reply.title });
        b.addEventListener('click', () => send(reply.payload, reply.title));
        group.append(b);
      }
      node.append(group);
    }
    return node;
  }

  // 有帮助 / 没帮助 on a checklist card: sent as the bot's own payload, remembered with the message.
  function answerOptions(message) {
    return {
      feedbackGiven: message.feedbackGiven || null,
      onFeedback: (button) => {
        message.feedbackGiven = button.payload;
        save();
        send(button.payload, button.title);
      },
    };
  }

  // The after-hours callback form: a booking made is remembered with the message (no number kept).
  function callbackOptions(message) {
    return {
      postUrl: base + 'callback', // the server that served this widget (its CSP allows it)
      done: message.callbackDone || null,
      onBooked: (done) => {
        message.callbackDone = done;
        save();
      },
    };
  }

  /** A message's text without its last line when that line is shown otherwise (a citation, a form link). */
  function withoutLine(text, line) {
    const lines = String(text || '').split('\n');
    return line && lines.length && lines[lines.length - 1].includes(line) ? lines.slice(0, -1).join('\n') : text;
  }

  function render() {
    log.replaceChildren(messageNode({ from: 'bot', text: T.welcome }, false));
    state.messages.forEach((m, i) => log.append(messageNode(m, i === state.messages.length - 1)));
    log.scrollTop = log.scrollHeight;
  }

  function add(message) {
    const previous = log.querySelector('.oo-msg:last-child .oo-replies');
    if (previous) previous.remove(); // only the latest message keeps its quick replies
    state.messages.push(message);
    save();
    log.append(messageNode(message, true));
    log.scrollTop = log.scrollHeight;
  }

  /** One bot_uttered event (Rasa's socketio format, see bot/web/channel.py) as a message. */
  function fromBot(event) {
    if (!event || typeof event !== 'object') return null;
    const custom = event.custom && typeof event.custom === 'object' ? event.custom : null;
    const replies = (event.quick_replies || event.buttons || [])
      .filter((r) => r && typeof r.title === 'string' && typeof r.payload === 'string')
      .map((r) => ({ title: r.title, payload: r.payload }));
    if (custom && custom.type === 'checklist') return { from: 'bot', card: custom, text: event.text || custom.summary_text || '', replies };
    if (custom && custom.type === 'staff_reply') return event.text ? { from: 'staff', text: event.text } : null;
    if (custom && custom.type === 'citation' && typeof event.text === 'string') {
      return { from: 'bot', text: withoutLine(event.text, custom.line), cite: custom, replies };
    }
    if (custom && custom.type === 'callback_offer' && typeof event.text === 'string') {
      return { from: 'bot', text: withoutLine(event.text, custom.form_url), callback: custom, replies };
    }
    if (typeof event.text === 'string' && event.text) return { from: 'bot', text: event.text, replies };
    return null;
  }

  // -- the connection ----------------------------------------------------------------
  let socket = null;
  let confirmed = false;
  let attempts = 0;
  let typingTimer = null;

  function showTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => (typing.hidden = true), 20000);
  }

  function setConnection(kind) {
    confirmed = kind === 'ready';
    panel.dataset.connection = kind;
    sendBtn.disabled = !confirmed;
    sendBtn.title = confirmed ? '' : T.notConnected;
    if (kind === 'offline') {
      bannerText.textContent = T.offline(attempts);
      banner.hidden = false;
      showTyping(false);
    } else {
      banner.hidden = true;
    }
    status.textContent = kind === 'ready' ? '' : kind === 'offline' ? T.offline(attempts) : T.connecting;
  }

  function connect() {
    socket = window.io(server, {
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 8000,
      timeout: 8000,
    });
    socket.on('connect', () => {
      attempts = 0;
      // Rejoin our conversation's room on every (re)connect: the server keeps its state.
      socket.emit('session_request', { session_id: state.sessionId });
    });
    socket.on('session_confirm', (id) => {
      const sessionId = typeof id === 'string' ? id : id && id.session_id;
      if (sessionId && sessionId !== state.sessionId) {
        state.sessionId = sessionId;
        save();
      }
      setConnection('ready');
    });
    socket.on('bot_uttered', (event) => {
      const message = fromBot(event);
      if (message) {
        showTyping(false);
        add(message);
      }
    });
    socket.on('connect_error', () => {
      attempts += 1;
      setConnection('offline');
    });
    socket.on('disconnect', (reason) => {
      setConnection('offline');
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.io.on('reconnect_attempt', (n) => {
      attempts = n;
      if (!confirmed) setConnection('offline');
    });
  }

  function send(payload, shown) {
    const text = String(payload || '').trim();
    if (!text || !confirmed) return false;
    add({ from: 'user', text: shown || text });
    const message = { message: text, session_id: state.sessionId };
    if (citizenToken) message.metadata = { citizen_token: citizenToken };
    socket.emit('user_uttered', message);
    showTyping(true);
    return true;
  }

  // -- interaction ---------------------------------------------------------------------
  let composing = false;
  input.addEventListener('compositionstart', () => (composing = true));
  input.addEventListener('compositionend', () => (composing = false));
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey) return;
    // An IME is composing (pinyin → 汉字): Enter picks the candidate, it must never send.
    if (event.isComposing || event.keyCode === 229 || composing) return;
    event.preventDefault();
    form.requestSubmit();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (send(input.value)) input.value = '';
    input.focus();
  });

  function setOpen(open, focus) {
    state.open = open;
    save();
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute('aria-expanded', String(open));
    host.classList.toggle('oo-open', open);
    if (open) {
      log.scrollTop = log.scrollHeight;
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }
  launcher.addEventListener('click', () => setOpen(true, true));
  closeBtn.addEventListener('click', () => setOpen(false, true));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') setOpen(false, true);
  });
  retryBtn.addEventListener('click', () => {
    attempts = 0;
    setConnection('connecting');
    if (!socket) {
      boot(); // our own server was unreachable too: load what the widget needs again
      return;
    }
    socket.disconnect();
    socket.connect();
  });
  freshBtn.addEventListener('click', () => {
    if (!window.confirm(T.freshConfirm)) return;
    state.sessionId = null;
    state.messages = [];
    save();
    render();
    setConnection('connecting');
    if (socket) {
      socket.disconnect();
      socket.connect(); // a new session_request without an id: Rasa starts a new conversation
    }
  });

  function setCitizenToken(token) {
    citizenToken = typeof token === 'string' && token ? token : null;
    signedIn.hidden = !citizenToken;
  }

  window.OnceOnlyChat = {
    open: () => setOpen(true, true),
    close: () => setOpen(false, false),
    setCitizenToken,
    newConversation: () => freshBtn.click(),
    send: (text) => send(text) || ((input.value = String(text || '')), false),
    get sessionId() {
      return state.sessionId;
    },
  };

  function boot() {
    loadDependencies()
      .then(() => {
        render();
        connect();
      })
      .catch(() => {
        attempts += 1;
        setConnection('offline');
      });
  }

  function start() {
    document.body.append(host);
    setCitizenToken(citizenToken);
    setConnection('connecting');
    boot();
    setOpen(state.open || data.open === 'true', false);
    document.dispatchEvent(new CustomEvent('onceonly:ready'));
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
