/*
 * Personal accounts in Chromium (run through tests/web/browser.mjs's "accounts" scenario, which passes
 * its helpers): an administrator signs in from an admin page's login form, opens an account and reads
 * its one-time password, signs out; the new person signs in with it, is made to choose their own
 * password, reaches the console, and is refused /admin. Reports where each step landed, what the pages
 * said, axe's violations on each page, and the screenshots docs/screenshots/admin-users.png and
 * console-account.png.
 */
export async function accounts(browser, { newPage, axe, shot, config }) {
  const violations = {};
  const page = await newPage(browser);

  const gate = await page.goto(config.web + '/admin/users');
  violations.login = await axe(page);
  await page.locator('#name').fill(config.admin);
  await page.locator('#password').fill(config.adminPassword);
  await Promise.all([page.waitForURL('**/admin/users'), page.locator('.login-box button[type="submit"]').click()]);
  const adminLanded = new URL(page.url()).pathname;
  const nav = await page.locator('.admin-nav a').allInnerTexts();
  const current = await page.locator('.admin-nav a[aria-current="page"]').innerText();

  await page.locator('#new-name').fill(config.newName);
  await page.locator('#new-display').fill(config.newDisplay);
  await page.locator('#new-role').selectOption('hotline');
  await page.locator('form[action="/admin/users"] button[type="submit"]').click();
  await page.locator('#one-time-password').waitFor();
  const oneTime = (await page.locator('#one-time-password').innerText()).trim();
  const created = await page.locator('.admin-notice[role="status"]').first().innerText();
  const row = await page.locator(`tr[data-account="${config.newName}"]`).innerText();
  violations.users = await axe(page);
  await shot(page, 'admin-users.png', true);
  await Promise.all([page.waitForURL('**/console'), page.locator('form[action="/console/logout"] button').click()]);
  const afterSignOut = await page.locator('#login-h').count();

  await page.locator('#name').fill(config.newName);
  await page.locator('#password').fill(oneTime);
  await Promise.all([page.waitForURL('**/console/account'), page.locator('.login-box button[type="submit"]').click()]);
  const firstLanding = new URL(page.url()).pathname;
  const mustChange = await page.locator('main').innerText();
  violations.account = await axe(page);
  await shot(page, 'console-account.png', true);
  await page.locator('#current').fill(oneTime);
  await page.locator('#new').fill(config.newPassword);
  await page.locator('#repeat').fill(config.newPassword);
  await page.locator('form[action="/console/account/password"] button').click();
  await page.locator('.admin-notice[role="status"]', { hasText: '密码已修改' }).waitFor();
  const changed = await page.locator('.admin-notice[role="status"]', { hasText: '密码已修改' }).innerText();

  await page.goto(config.web + '/console');
  await page.locator('#queue-list').waitFor({ state: 'attached' });
  const consoleName = await page.locator('#staff-name').innerText();
  const adminLink = await page.locator('a[href="/admin"]').count();
  const refused = await page.goto(config.web + '/admin');
  const refusedText = await page.locator('main').innerText();
  violations.forbidden = await axe(page);

  return {
    gateStatus: gate.status(), adminLanded, nav, current, oneTime, created, row, afterSignOut, firstLanding,
    mustChange, changed, consoleName, adminLink, refusedStatus: refused.status(), refusedText, violations,
  };
}
