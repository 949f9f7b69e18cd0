/*
 * The demo portal's own script: a demo sign-in (our server signs the citizen token; the
 * browser never mints one) that hands the token to the widget, and shortcuts that open
 * the widget with a sentence typed for the visitor.
 */
(function () {
  'use strict';
  const KEY = 'onceonly.demo-login';
  const select = document.getElementById('demo-citizen');
  const signedIn = document.getElementById('signed-in');
  const logout = document.getElementById('demo-logout');
  const loginBtn = document.getElementById('demo-login-btn');

  function saved() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || 'null');
    } catch (e) {
      return null;
    }
  }

  function show(login) {
    signedIn.hidden = !login;
    logout.hidden = !login;
    loginBtn.hidden = !!login;
    select.disabled = !!login;
    signedIn.textContent = login ? `已登录：${login.label}` : '';
    if (window.OnceOnlyChat) window.OnceOnlyChat.setCitizenToken(login ? login.token : null);
  }

  document.getElementById('demo-login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const citizen = select.value;
    if (!citizen) return;
    const response = await fetch('/demo/citizen-token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ citizen_id: citizen }),
    });
    if (!response.ok) return;
    const body = await response.json();
    const login = { token: body.citizen_token, label: select.selectedOptions[0].textContent, citizen };
    sessionStorage.setItem(KEY, JSON.stringify(login));
    show(login);
  });
  logout.addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    select.value = '';
    show(null);
  });

  function whenWidget(fn) {
    if (window.OnceOnlyChat) fn();
    else document.addEventListener('onceonly:ready', fn, { once: true });
  }
  whenWidget(() => show(saved()));
  document.getElementById('ask-now').addEventListener('click', () => window.OnceOnlyChat && window.OnceOnlyChat.open());
  for (const button of document.querySelectorAll('.matter')) {
    button.addEventListener('click', () => {
      if (!window.OnceOnlyChat) return;
      window.OnceOnlyChat.open();
      window.OnceOnlyChat.send(button.dataset.say);
    });
  }
})();
