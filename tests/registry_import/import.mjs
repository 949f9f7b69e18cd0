/*
 * /admin/import and /admin/model in Chromium (tests/web/browser.mjs's "registry_import" scenario,
 * which passes its helpers): sign in as an administrator, upload a filled-in sheet with its source
 * through the page's own form, read the dry run's lines, check that nothing asks to be typed twice,
 * and run axe on the upload form, the preview and the model page, with screenshots
 * docs/screenshots/admin-import.png and admin-model.png.
 */
export async function registryImport(browser, { newPage, signIn, axe, shot, config }) {
  const page = await newPage(browser);
  await signIn(page);
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const form = await page.goto(config.web + '/admin/import');
  const violations = { form: await axe(page) };
  await page.locator('#import-file').setInputFiles(config.sheet);
  await page.locator('#import-source').fill(config.source);
  await page.locator('.import-form button[type="submit"]').click();
  await page.locator('.import-changes li').first().waitFor();
  const preview = await page.evaluate(() => ({
    title: document.querySelector('#diff-title').textContent.trim(),
    files: [...document.querySelectorAll('.import-files li')].map((li) => li.textContent.trim()),
    changes: [...document.querySelectorAll('.import-changes li')].map((li) => li.textContent.trim()),
    confirm: document.querySelector('form[action$="/apply"] button').textContent.trim(),
    nav: document.querySelector('.admin-nav a[aria-current="page"]')?.textContent.trim() || null,
  }));
  violations.preview = await axe(page);
  await shot(page, 'admin-import.png');
  const model = await page.goto(config.web + '/admin/model');
  const modelPage = await page.evaluate(() => ({
    heading: document.querySelector('.admin-main h2').textContent.trim(),
    nav: document.querySelector('.admin-nav a[aria-current="page"]')?.textContent.trim() || null,
    start: Boolean(document.querySelector('form[action="/admin/model/retrain"] button')),
  }));
  violations.model = await axe(page);
  await shot(page, 'admin-model.png');
  return { status: { form: form.status(), model: model.status() }, preview, modelPage, violations, consoleErrors };
}
