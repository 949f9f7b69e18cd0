/*
 * The registry editor in Chromium (tests/admin/test_admin_web.py runs it through tests/web/browser.mjs,
 * which passes its helpers). A hotline account is refused /admin; an editor finds the newborn
 * scenario, makes the marriage certificate exempt citing the source, and cannot approve it; a
 * reviewer reads the same plain words in the review queue and approves, which publishes it; the
 * reviewer's own draft offers no approval and the server refuses one. Every page is checked with
 * axe, and the screenshots go to docs/screenshots/admin-*.png. Prints what it saw; Python decides.
 */

async function signIn(page, config, who) {
  await page.goto(config.web + '/console');
  await page.locator('#name').fill(who.name);
  await page.locator('#password').fill(who.password);
  await Promise.all([page.waitForNavigation(), page.locator('.login-box button[type="submit"]').click()]);
}

async function signOut(page, config) {
  await page.goto(config.web + '/admin');
  await Promise.all([page.waitForNavigation(), page.locator('form[action="/console/logout"] button').click()]);
}

async function lines(page, root = '.draft-lines') {
  return page.locator(`${root} li`).allTextContents();
}

export async function admin(browser, { newPage, axe, shot, config }) {
  const { accounts } = config;
  const violations = {};
  const page = await newPage(browser);

  // Hotline staff: signed in, yet /admin is not theirs.
  await signIn(page, config, accounts.hotline);
  const refused = await page.goto(config.web + '/admin');
  const hotlineAdmin = refused.status();
  await page.context().clearCookies();

  // The editor finds the scenario and drafts the change with its source.
  await signIn(page, config, accounts.editor);
  await page.goto(config.web + '/admin');
  await page.locator('#q').fill('新生儿');
  await Promise.all([page.waitForNavigation(), page.locator('form[role="search"] button').click()]);
  violations.search = await axe(page);
  await shot(page, 'admin-search.png');
  await Promise.all([page.waitForNavigation(), page.locator('a[href="/admin/entry/scenario/newborn"]').click()]);
  const requirement = page.locator('details.requirement[data-material="marriage_certificate"]');
  await requirement.locator('summary').click();
  await requirement.locator('select[name="exemption_kind"]').selectOption('e_licence_verification');
  await requirement.locator('input[name="exemption_text"]').fill('婚姻登记电子证照共享核验');
  await requirement.locator('input[name="issuer"]').fill('民政部门');
  await requirement.locator('input[name="source"]').fill(config.source);
  violations.entry = await axe(page);
  await requirement.scrollIntoViewIfNeeded();
  await shot(page, 'admin-entry.png');
  await Promise.all([page.waitForNavigation(), requirement.locator('button[type="submit"]').click()]);
  const draftUrl = page.url();
  const draftLines = await lines(page);
  const draftStatus = (await page.locator('#draft-status').textContent()).trim();
  const editorMayApprove = (await page.locator('#approve-form').count()) > 0;
  violations.draft = await axe(page);
  await shot(page, 'admin-draft.png', true);
  await page.context().clearCookies();

  // The reviewer reads the queue and approves: that publishes it.
  await signIn(page, config, accounts.reviewer);
  await page.goto(config.web + '/admin/review');
  const reviewQueue = await lines(page, '.review-item');
  violations.review = await axe(page);
  await shot(page, 'admin-review.png', true);
  await page.goto(draftUrl);
  await Promise.all([page.waitForNavigation(), page.locator('#approve-form button').click()]);
  const publishedStatus = (await page.locator('#draft-status').textContent()).trim();
  violations.published = await axe(page);
  await shot(page, 'admin-published.png', true);

  // The reviewer's own draft: no approve button, and the server refuses a forged approval.
  await page.goto(config.web + '/admin/entry/material/marriage_certificate');
  await page.locator('#aliases').fill('结婚证\n结婚登记证');
  await page.locator('#source-names').fill(config.source);
  await Promise.all([page.waitForNavigation(), page.locator('#form-names button[type="submit"]').click()]);
  const ownUrl = page.url();
  const approveShown = (await page.locator('#approve-form').count()) > 0;
  const noteShown = (await page.locator('#own-note').count()) > 0;
  const approveStatus = await page.evaluate(async (url) => (await fetch(url + '/approve', { method: 'POST' })).status, ownUrl);
  const forged = await page.request.post(ownUrl + '/approve');
  const ownDraftError = (await forged.text()).match(/role="alert">([^<]*)</)?.[1] || '';
  await signOut(page, config);

  return {
    hotlineAdmin,
    draftLines,
    draftStatus,
    editorMayApprove,
    reviewQueue,
    publishedStatus,
    ownDraft: { approveShown, noteShown, approveStatus },
    ownDraftError,
    violations,
  };
}
