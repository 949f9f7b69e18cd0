/*
 * Browser scenarios for tests/web (pytest runs `node tests/web/browser.mjs SCENARIO CONFIG_JSON`).
 *
 * Each scenario drives Debian's /usr/bin/chromium through playwright-core (from
 * bot/web/node_modules, installed by `npm ci`; no browser is ever downloaded) against
 * the real stack, and prints ONE JSON line of what it saw. The Python tests decide
 * whether that is right (for example by comparing a card with the registry's own
 * checklist), so the assertions live next to the other tests. Any failure here (a
 * selector that never appears, a page error) exits non-zero with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WEB = path.resolve(HERE, '../../bot/web');
const require = createRequire(path.join(WEB, 'package.json'));
const { chromium } = require('playwright-core');
const AXE = require.resolve('axe-core/axe.min.js');

const [scenario, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson || '{}');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const WAIT = 30000;

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'onceonly-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: config.chromium || '/usr/bin/chromium',
    headless: true,
    viewport: DESKTOP,
    locale: 'zh-CN',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  context.setDefaultTimeout(WAIT);
  const errors = [];
  context.on('page', (page) => page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`)));
  return {
    context,
    errors,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function newPage(browser, viewport = DESKTOP) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  page.on('pageerror', (e) => browser.errors.push(`${page.url()}: ${e.message}`));
  return page;
}

// -- the citizen's widget ------------------------------------------------------------------
const widget = {
  async open(page) {
    await page.locator('.oo-launcher').click();
    await page.locator('.oo-panel[data-connection="ready"]').waitFor();
  },
  messages: (page) => page.locator('.oo-msg'),
  async count(page) {
    return widget.messages(page).count();
  },
  /** Type like a person and press Enter; then wait for `replies` more bot messages. */
  async say(page, text, { replies = 1 } = {}) {
    const before = await page.locator('.oo-msg[data-from="bot"], .oo-msg[data-from="staff"]').count();
    await page.locator('#oo-input').fill(text);
    await page.locator('#oo-input').press('Enter');
    await page.locator('.oo-msg[data-from="user"]').last().waitFor();
    await widget.waitForBot(page, before + replies);
  },
  async waitForBot(page, total) {
    await page.waitForFunction(
      (n) => document.querySelector('#onceonly-chat').shadowRoot.querySelectorAll('.oo-msg[data-from="bot"], .oo-msg[data-from="staff"]').length >= n,
      total,
    );
  },
  async texts(page) {
    return widget.messages(page).evaluateAll((nodes) => nodes.map((n) => ({ from: n.dataset.from, text: n.querySelector('.oo-bubble').innerText.trim() })));
  },
  async card(page) {
    const card = page.locator('.oo-card').last();
    await card.waitFor();
    return card.evaluate((root) => ({
      title: root.querySelector('.oo-card-title').textContent,
      summary: root.querySelector('.oo-card-summary').textContent,
      order: [...root.children].map((c) => c.className.split(' ').pop()),
      counts: Object.fromEntries([...root.querySelectorAll('.oo-count')].map((c) => [c.className.match(/oo-count-(\w+)/)[1], Number(c.querySelector('dd').textContent)])),
      to_submit: [...root.querySelectorAll('.oo-card-submit .oo-group')].map((g) => ({
        issuer_kind: g.dataset.issuer,
        label: g.querySelector('.oo-group-h').textContent,
        materials: [...g.querySelectorAll('.oo-item')].map((i) => i.dataset.material),
      })),
      exempt: [...root.querySelectorAll('.oo-card-exempt .oo-item')].map((i) => ({ material: i.dataset.material, reason: i.querySelector('.oo-item-reason')?.textContent || null })),
      reusable: [...root.querySelectorAll('.oo-card-reuse .oo-item')].map((i) => ({ material: i.dataset.material, date: i.querySelector('.oo-item-date')?.textContent || null })),
    }));
  },
  async replies(page) {
    return page.locator('.oo-reply').allTextContents();
  },
};

async function demoLogin(page, citizen) {
  await page.locator('#demo-citizen').selectOption(citizen);
  await page.locator('#demo-login-btn').click();
  await page.locator('#signed-in').waitFor();
}

async function axe(page) {
  // Evaluated through the DevTools protocol: our pages' CSP rightly refuses injected <script> tags.
  await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

async function shot(page, name, fullPage = false) {
  if (!config.screenshots) return null;
  fs.mkdirSync(config.screenshots, { recursive: true });
  const file = path.join(config.screenshots, name);
  await page.screenshot({ path: file, fullPage });
  return file;
}

// -- the staff console ---------------------------------------------------------------------
async function consoleLogin(page, staff = 'zhang-san') {
  const response = await page.goto(config.web + '/console');
  await page.locator('#name').fill(staff); // tests/web/conftest.py made the account
  await page.locator('#password').fill(config.staffPassword);
  await page.locator('.login-box button[type="submit"]').click();
  await page.locator('#queue-list').waitFor({ state: 'attached' });
  await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' }); // its scripts have run
  return response.status();
}

async function consoleTranscript(page) {
  return page.locator('#transcript .t-msg').evaluateAll((nodes) => nodes.map((n) => n.className.replace('t-msg t-', '') + ': ' + n.innerText.replace(/\s+/g, ' ')));
}

// -- scenarios -----------------------------------------------------------------------------
const scenarios = {
  /** A citizen describes a life event, answers the question, and gets the checklist card. */
  async checklist(browser) {
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    if (config.citizen) await demoLogin(page, config.citizen);
    await widget.open(page);
    await widget.say(page, config.say, { replies: 2 });
    const offered = await widget.replies(page);
    await page.locator('.oo-reply', { hasText: config.answer }).click();
    const card = await widget.card(page);
    const latestReplies = await widget.replies(page);
    await page.locator('.oo-card').last().evaluate((node) => node.scrollIntoView({ block: 'start' }));
    const screenshot = config.citizen ? null : await shot(page, 'portal-desktop.png');
    return { offered, card, latestReplies, screenshot, signedInShown: await page.locator('.oo-signed-in').isVisible() };
  },

  /** A reload keeps the conversation: the messages are shown again and the bot remembers. */
  async reload(browser) {
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    await widget.open(page);
    await widget.say(page, config.say, { replies: 2 });
    const before = await widget.texts(page);
    const sessionBefore = await page.evaluate(() => window.OnceOnlyChat.sessionId);
    await page.reload();
    await page.locator('.oo-panel[data-connection="ready"]').waitFor(); // it was open: it stays open
    const after = await widget.texts(page);
    const sessionAfter = await page.evaluate(() => window.OnceOnlyChat.sessionId);
    // The network drops: the widget says so and retries; when it is back it rejoins the conversation.
    await browser.context.setOffline(true);
    await page.locator('.oo-panel[data-connection="offline"]').waitFor();
    const offlineBanner = await page.locator('.oo-banner').isVisible();
    await browser.context.setOffline(false);
    await page.locator('.oo-panel[data-connection="ready"]').waitFor();
    await page.locator('.oo-reply', { hasText: config.answer }).click(); // the question asked before the reload
    const card = await widget.card(page);
    return { before, after, sessionBefore, sessionAfter, offlineBanner, cardTitle: card.title };
  },

  /** Enter while an IME composes (isComposing, keyCode 229) never sends; a plain Enter does. */
  async ime(browser) {
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    await widget.open(page);
    const input = page.locator('#oo-input');
    // The person's own messages only: the bot's reply to the last one may already be in when counted.
    const sent = () => page.locator('.oo-msg[data-from="user"]').count();
    const initial = await sent();
    await input.click();
    // A real composition in Chromium's input pipeline: pinyin "ban" on its way to 办.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Input.imeSetComposition', { text: 'ban', selectionStart: 3, selectionEnd: 3 });
    await page.keyboard.press('Enter');
    await cdp.send('Input.insertText', { text: '办' });
    await page.waitForTimeout(300);
    const afterComposingEnter = await sent();
    // What Safari sends: the Enter that ends a composition arrives with keyCode 229.
    const dispatched = await input.evaluate((node) => {
      const event = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, bubbles: true, cancelable: true });
      node.dispatchEvent(event);
      return { keyCode: event.keyCode, defaultPrevented: event.defaultPrevented };
    });
    await page.waitForTimeout(300);
    const after229 = await sent();
    await input.fill('退休');
    await input.press('Enter');
    await page.locator('.oo-msg[data-from="user"]').first().waitFor();
    return {
      initial,
      afterComposingEnter,
      after229,
      dispatched,
      afterPlainEnter: await sent(),
      sentTexts: (await widget.texts(page)).filter((m) => m.from === 'user').map((m) => m.text),
    };
  },

  /** 转人工 → the console's queue; staff take it, reply, send the card, hand it back. */
  async handoff(browser) {
    const citizen = await newPage(browser);
    await citizen.goto(config.web + '/');
    await widget.open(citizen);
    await widget.say(citizen, config.say, { replies: 2 });
    await widget.say(citizen, '转人工');
    const conversation = await citizen.evaluate(() => window.OnceOnlyChat.sessionId);

    const staff = await newPage(browser);
    const loginStatus = await consoleLogin(staff);
    const item = staff.locator(`.queue-item[data-id="${conversation}"]`);
    await item.waitFor();
    const queued = { text: await item.innerText(), state: await item.getAttribute('data-state') };
    await item.click();
    await staff.locator('#chat-summary').waitFor();
    const summary = await staff.locator('#chat-summary').innerText();
    await staff.locator('#take').click();
    await staff.locator('#release:not([disabled])').waitFor();

    await citizen.locator('.oo-msg[data-from="staff"]').first().waitFor(); // the greeting
    await staff.locator('#reply-text').fill(config.reply);
    await staff.locator('#reply-send').click();
    await citizen.locator('.oo-msg[data-from="staff"]').nth(1).waitFor();
    const staffMessages = await citizen.locator('.oo-msg[data-from="staff"]').evaluateAll((n) => n.map((m) => m.innerText.replace(/\s+/g, ' ').trim()));

    // While staff are in the conversation the bot stays quiet; staff see what the person says.
    const botsBefore = await citizen.locator('.oo-msg[data-from="bot"]').count();
    await citizen.locator('#oo-input').fill(config.whilePaused);
    await citizen.locator('#oo-input').press('Enter');
    await staff.locator('#transcript .t-citizen', { hasText: config.whilePaused }).waitFor();
    await citizen.waitForTimeout(1500);
    const botsWhilePaused = (await citizen.locator('.oo-msg[data-from="bot"]').count()) - botsBefore;

    // The checklist card, sent by staff for the matter the workspace identified.
    await staff.locator('#caller-text').fill(config.workspace);
    await staff.locator('#identified strong').waitFor();
    const identified = await staff.locator('#identified').innerText();
    await staff.locator('#send-card:not([disabled])').click();
    const cardsBefore = await citizen.locator('.oo-card').count();
    await citizen.waitForFunction((n) => document.querySelector('#onceonly-chat').shadowRoot.querySelectorAll('.oo-card').length > n, cardsBefore);
    const sentCard = await widget.card(citizen);
    await shot(staff, 'console-desktop.png', true);

    await staff.locator('#release').click();
    await staff.locator('#release[disabled]').waitFor();
    await citizen.locator('.oo-msg[data-from="staff"]').nth(2).waitFor(); // "本次人工服务已结束…"
    const handedBack = await citizen.locator('.oo-msg[data-from="staff"]').last().innerText();
    await widget.say(citizen, config.afterRelease, { replies: 1 });
    const last = (await widget.texts(citizen)).slice(-2);
    await staff.locator(`.queue-item[data-id="${conversation}"]`).waitFor({ state: 'detached' });
    return {
      conversation, loginStatus, queued, summary, staffMessages, botsWhilePaused, identified,
      sentCardTitle: sentCard.title, handedBack, last,
      transcript: await consoleTranscript(staff),
    };
  },

  /** Axe on both pages (and the console's login page), and the screenshots at both widths. */
  async accessibility(browser) {
    const results = {};
    const portal = await newPage(browser);
    await portal.goto(config.web + '/');
    await widget.open(portal);
    await widget.say(portal, config.say, { replies: 2 });
    await portal.locator('.oo-reply', { hasText: config.answer }).click();
    await widget.card(portal);
    results.portal = await axe(portal);
    await portal.locator('.oo-close').click();
    results.portalClosed = await axe(portal);

    const phone = await newPage(browser, PHONE);
    await phone.goto(config.web + '/');
    await widget.open(phone); // the same conversation (same browser profile): the card is there
    await widget.card(phone);
    const box = await phone.locator('.oo-panel').boundingBox();
    await shot(phone, 'portal-phone.png');
    results.portalPhone = await axe(phone);

    const login = await newPage(browser);
    const loginResponse = await login.goto(config.web + '/console');
    results.login = await axe(login);
    const loginStatus = loginResponse.status();

    const desk = await newPage(browser);
    await consoleLogin(desk);
    await desk.locator('#caller-text').fill(config.workspace);
    await desk.locator('#assist-card .oo-card').waitFor();
    results.console = await axe(desk);
    const deskIdentified = await desk.locator('#identified').innerText();

    const consolePhone = await newPage(browser, PHONE);
    await consolePhone.goto(config.web + '/console');
    await consolePhone.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
    await consolePhone.locator('#caller-text').fill(config.workspace);
    await consolePhone.locator('#assist-card .oo-card').waitFor();
    await shot(consolePhone, 'console-phone.png', true);
    results.consolePhone = await axe(consolePhone);
    return { violations: results, phonePanel: box, loginStatus, deskIdentified };
  },

  /** A slow network: words typed before the console's script has run are read when it runs. */
  async consoleSlowScript(browser) {
    const desk = await newPage(browser);
    await consoleLogin(desk);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await desk.route('**/console/assets/console.js', async (route) => { await held; await route.continue(); });
    await desk.reload({ waitUntil: 'commit' });
    await desk.locator('#caller-text').fill(config.workspace); // the page is parsed, its script held back
    const readyBefore = await desk.locator('html[data-ready="true"]').count();
    release();
    await desk.locator('#assist-card .oo-card').waitFor();
    return { readyBefore, identified: await desk.locator('#identified').innerText() };
  },

  /** One <script> tag in a foreign page; with the Rasa server unreachable the widget says so and retries. */
  async embed(browser) {
    const page = await newPage(browser);
    const tag = (server) => `<!doctype html><html lang="en"><head><title>host</title></head><body><h1>Host page</h1>
      <script src="${config.web}/widget.js" data-server-url="${server}" data-title="Help desk" data-lang="en"></script></body></html>`;
    await page.setContent(tag(config.deadServer));
    await page.locator('.oo-launcher').click();
    const banner = page.locator('.oo-banner');
    await banner.waitFor();
    await page.waitForFunction(() => /attempt [2-9]/.test(document.querySelector('#onceonly-chat').shadowRoot.querySelector('.oo-banner-text').textContent));
    const offline = {
      role: await banner.getAttribute('role'),
      text: await page.locator('.oo-banner-text').textContent(),
      sendDisabled: await page.locator('.oo-send').isDisabled(),
      title: await page.locator('.oo-title').textContent(),
    };
    const live = await newPage(browser);
    await live.setContent(tag(config.rasa));
    await widget.open(live);
    await widget.say(live, config.say, { replies: 1 });
    return { offline, liveTexts: await widget.texts(live) };
  },
};


// -- answers people can act on: the notice, citations, feedback, SMS, report, callbacks ------------
Object.assign(scenarios, {
  /** The card offers the notice, cites its source (expandable) and takes feedback; the notice prints on A4. */
  async notice(browser) {
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    await widget.open(page);
    await widget.say(page, config.say, { replies: 2 });
    await page.locator('.oo-reply', { hasText: config.answer }).click();
    await widget.card(page);
    const card = page.locator('.oo-card').last();
    const noticeHref = await card.locator('.oo-notice-link').getAttribute('href');
    const pdfHref = await card.locator('.oo-notice-pdf').getAttribute('href');
    const cite = card.locator('.oo-cite');
    const citeOpenBefore = await cite.evaluate((d) => d.open);
    const citeLine = await cite.locator('summary').innerText();
    await cite.locator('summary').click();
    const citeOpen = await cite.evaluate((d) => d.open);
    const citeLink = await cite.locator('a').getAttribute('href');
    await card.evaluate((node) => node.scrollIntoView({ block: 'end' }));
    await shot(page, 'widget-notice-card.png');
    const bots = await page.locator('.oo-msg[data-from="bot"]').count();
    await card.locator('.oo-feedback-btn', { hasText: config.rate }).click();
    await widget.waitForBot(page, bots + 1);
    const afterFeedback = { replies: await widget.replies(page), pressed: await card.locator('.oo-feedback-btn[aria-pressed="true"]').innerText(), sent: (await widget.texts(page)).filter((m) => m.from === 'user').slice(-1)[0].text };
    const widgetViolations = await axe(page);

    const notice = await newPage(browser, { width: 794, height: 1123 }); // A4 at 96 dpi
    await notice.goto(noticeHref);
    const screenViolations = await axe(notice);
    await notice.emulateMedia({ media: 'print' });
    const printed = {
      toolsVisible: await notice.locator('.tools').isVisible(),
      rows: await notice.locator('tr.item').evaluateAll((trs) => trs.map((tr) => [tr.dataset.material, tr.dataset.status])),
      title: await notice.locator('h1').innerText(),
      citation: await notice.locator('#citation').innerText(),
    };
    await shot(notice, 'notice-print.png', true);
    const pdf = await notice.pdf({ format: 'A4', printBackground: true });
    return { noticeHref, pdfHref, citeOpenBefore, citeLine, citeOpen, citeLink, afterFeedback, printed, pdfBytes: pdf.length, pdfHead: pdf.subarray(0, 5).toString(), violations: { widget: widgetViolations, notice: screenViolations } };
  },

  /** Staff settle a caller's matter, issue its notice and copy the SMS; then read the report. */
  async consoleNotice(browser) {
    const desk = await newPage(browser);
    await consoleLogin(desk, 'li-si');
    await desk.locator('#caller-text').fill(config.workspace);
    await desk.locator('#assist-card .oo-card').waitFor();
    await desk.locator('#notice-issue:not([disabled])').click();
    await desk.locator('#sms-segments li').first().waitFor();
    const sms = await desk.locator('#sms-segments .sms-text').allTextContents();
    const noticeLink = await desk.locator('#notice-link').getAttribute('href');
    await desk.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: config.web });
    await desk.locator('.sms-copy').first().click();
    await desk.locator('.sms-copy', { hasText: '已复制' }).waitFor();
    const copied = await desk.evaluate(() => navigator.clipboard.readText());
    await desk.locator('#notice-tools').evaluate((node) => node.scrollIntoView({ block: 'start' }));
    await shot(desk, 'console-sms.png');
    const consoleViolations = await axe(desk);

    const report = await newPage(browser);
    await report.goto(config.web + '/console/report');
    await report.locator('#most-asked table').waitFor();
    const sections = await report.locator('.report-grid h2').allTextContents();
    const csvHref = await report.locator('#csv').getAttribute('href');
    await shot(report, 'console-report.png', true);
    return { sms, noticeLink, copied, sections, csvHref, violations: { console: consoleViolations, report: await axe(report) } };
  },

  /** After hours: 转人工 offers the callback form in the widget; staff find it in the queue, masked. */
  async callback(browser) {
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    await widget.open(page);
    await widget.say(page, config.say, { replies: 2 });
    await widget.say(page, '转人工');
    const form = page.locator('.oo-callback').last();
    await form.waitFor();
    const offered = (await widget.texts(page)).slice(-1)[0].text;
    const windows = await form.locator('option').allTextContents();
    await form.locator('input[type="tel"]').fill(config.phone);
    await form.locator('.oo-callback-send').click();
    const done = await page.locator('.oo-callback-done').innerText();
    await shot(page, 'widget-callback.png');
    const widgetViolations = await axe(page);
    await page.reload();
    await page.locator('.oo-panel[data-connection="ready"]').waitFor();
    const doneAfterReload = await page.locator('.oo-callback-done').count();

    const staff = await newPage(browser);
    await consoleLogin(staff, 'wang-wu');
    const item = staff.locator('.queue-item[data-state="callback"]', { hasText: config.masked });
    await item.waitFor();
    const queued = await item.innerText();
    await item.click();
    await staff.locator('#callback-body .callback').waitFor();
    const shown = await staff.locator('#callback-phone').innerText();
    const transcript = await staff.locator('#callback-body .t-msg').allInnerTexts();
    await shot(staff, 'console-callback.png', true);
    const consoleViolations = await axe(staff);
    await staff.locator('#callback-reveal').click();
    await staff.waitForFunction(() => !document.getElementById('callback-phone').textContent.includes('*'));
    const revealed = await staff.locator('#callback-phone').innerText();
    await staff.locator('#callback-done').click();
    await staff.locator('#callback-status', { hasText: '已标记' }).waitFor();
    await staff.locator('.queue-item[data-state="callback"]', { hasText: config.masked }).waitFor({ state: 'detached' });
    return { offered, windows, done, doneAfterReload, queued, shown, transcript, revealed, violations: { widget: widgetViolations, console: consoleViolations } };
  },
});

// -- the portal's 办事指南 (bot/web/directory.py) -----------------------------------------------
Object.assign(scenarios, {
  /** From the home page to the guide: search, open the first result, answer its questions; axe on each page. */
  async directory(browser) {
    const violations = {};
    const page = await newPage(browser);
    await page.goto(config.web + '/');
    await page.locator('#guide-q').waitFor();
    violations.home = await axe(page);
    await page.locator('#nav-guide').click();
    await page.locator('#guide-form').waitFor();
    await page.locator('#q').fill(config.search);
    await page.locator('#guide-submit').click();
    await page.locator('#result-count').waitFor();
    const results = await page.locator('.guide-item').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));
    violations.index = await axe(page);
    await shot(page, 'guide-search.png');
    await page.locator('.guide-item .guide-name').first().click();
    await page.locator('#entry-h').waitFor();
    // Answer every situation question with its last option, as a person clicking through would.
    const questions = await page.locator('fieldset.question').count();
    for (let i = 0; i < questions; i += 1) {
      await page.locator('fieldset.question').nth(i).locator('input[type="radio"]').last().check();
    }
    if (questions) {
      await page.locator('#situation-submit').click();
      await page.waitForURL(/a_/);
      await page.locator('#entry-h').waitFor();
    }
    const opened = await page.evaluate(() => ({
      id: document.querySelector('#entry-h').dataset.id,
      answers: Object.fromEntries([...new URLSearchParams(location.search)].filter(([k]) => k.startsWith('a_')).map(([k, v]) => [k.slice(2), v])),
      materials: [...document.querySelectorAll('[data-material]')].map((n) => [n.dataset.material, n.dataset.status]),
      notice: document.querySelector('#notice-link').getAttribute('href'),
    }));
    violations.entry = await axe(page);
    await shot(page, 'guide-entry.png', true);
    const phone = await newPage(browser, PHONE);
    await phone.goto(config.web + '/guide/' + opened.id);
    await phone.locator('#entry-h').waitFor();
    violations.phone = await axe(phone);
    const catalogue = await newPage(browser);
    await catalogue.goto(config.web + '/guide/' + encodeURIComponent(config.catalogue));
    const catalogueNote = (await catalogue.locator('#no-list').innerText()).trim();
    violations.catalogue = await axe(catalogue);
    return { results, opened, catalogueNote, violations };
  },

  /** Staff search the whole registry by name and open a matter (its checklist) and a catalogue entry. */
  async consoleSearch(browser) {
    const desk = await newPage(browser);
    await consoleLogin(desk);
    await desk.locator('#registry-q').fill(config.search);
    await desk.locator('#registry-form button[type="submit"]').click();
    await desk.locator('#registry-results li').first().waitFor();
    const results = await desk.locator('#registry-results button').evaluateAll((nodes) => nodes.map((n) => ({ id: n.dataset.id, kind: n.dataset.kind })));
    await desk.locator('#registry-results button[data-kind="matter"]').first().click();
    await desk.locator('#assist-card .oo-card').waitFor();
    const matterCard = await desk.locator('#assist-card .oo-card .oo-card-title').innerText();
    const identified = await desk.locator('#identified').innerText();
    await desk.locator('#registry-results button[data-kind="catalogue"]').first().click();
    await desk.locator('#catalogue-answer').waitFor();
    const catalogue = await desk.locator('#catalogue-answer').evaluate((n) => ({
      text: n.innerText,
      link: n.querySelector('#catalogue-link')?.getAttribute('href') || null,
      cards: document.querySelectorAll('#assist-card .oo-card').length,
      sendable: !document.querySelector('#notice-issue').disabled,
    }));
    const violations = { console: await axe(desk) };
    await shot(desk, 'console-registry-search.png');
    return { results, matterCard, identified, catalogue, violations };
  },
});

// The reform dashboard's scenario lives beside its tests (tests/dashboard/dashboard.mjs).
scenarios.dashboard = async (browser) => (await import('../dashboard/dashboard.mjs')).dashboard(browser, {
  newPage, axe, shot, config, signIn: (page) => consoleLogin(page, config.staff),
});

// The registry editor's scenario lives beside its tests (tests/admin/admin.mjs).
scenarios.admin = async (browser) => (await import('../admin/admin.mjs')).admin(browser, { newPage, axe, shot, config });

// Personal accounts: sign-in, a one-time password, the console and /admin (tests/accounts/accounts.mjs).
scenarios.accounts = async (browser) => (await import('../accounts/accounts.mjs')).accounts(browser, {
  newPage, axe, shot, config,
});

// A region's data with a dry run, and the model's retraining (tests/registry_import/import.mjs).
scenarios.registry_import = async (browser) => (await import('../registry_import/import.mjs')).registryImport(browser, {
  newPage, axe, shot, config, signIn: (page) => consoleLogin(page, config.staff),
});

const browser = await launch();
let code = 0;
try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const result = await run(browser);
  process.stdout.write(JSON.stringify({ ...result, pageErrors: browser.errors }) + '\n');
} catch (error) {
  process.stderr.write(`${scenario}: ${error.stack || error}\n`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
