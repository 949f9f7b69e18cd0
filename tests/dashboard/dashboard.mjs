/*
 * The reform dashboard in Chromium (run through tests/web/browser.mjs's "dashboard" scenario, which
 * passes its helpers): sign in, open /admin/dashboard, wait for every chart, and report what each
 * chart plots beside what its table says, the console's errors (a CSP refusal shows there),
 * axe's violations, and the screenshot docs/screenshots/admin-dashboard.png.
 */
export async function dashboard(browser, { newPage, signIn, axe, shot, config }) {
  const page = await newPage(browser);
  await signIn(page); // the login page itself answers 401, so errors count from here on
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const response = await page.goto(config.web + '/admin/dashboard');
  await page.locator('html[data-charts]').waitFor({ state: 'attached' });
  const charts = await page.evaluate(() => [...document.querySelectorAll('table[data-chart]')].map((table) => {
    const chart = window.Chart.getChart(document.getElementById(table.dataset.chartCanvas));
    const columns = table.dataset.chartColumns.split(',').map(Number);
    const limit = table.dataset.chartLimit ? Number(table.dataset.chartLimit) : Infinity;
    const rows = [...table.tBodies[0].rows].slice(0, limit);
    return {
      table: table.id,
      drawn: Boolean(chart),
      type: chart ? chart.config.type : null,
      labels: chart ? chart.data.labels : [],
      plotted: chart ? chart.data.datasets.map((d) => d.data) : [],
      tableLabels: rows.map((r) => r.cells[Number(table.dataset.chartLabel)].textContent.trim()),
      tableValues: columns.map((at) => rows.map((r) => Number(r.cells[at].dataset.value))),
      canvasHeight: document.getElementById(table.dataset.chartCanvas).clientHeight,
    };
  }));
  const page_ = await page.evaluate(() => ({
    drawnCount: Number(document.documentElement.dataset.charts),
    headline: document.querySelector('.dash-big-n').textContent.trim(),
    sections: [...document.querySelectorAll('.dash-section h3')].map((h) => h.textContent.trim()),
    downloads: [...document.querySelectorAll('.dash-downloads a')].map((a) => a.getAttribute('href')),
    inlineScripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
    nav: document.querySelector('.admin-nav a[aria-current="page"]')?.textContent.trim() || null,
  }));
  // A table's download through the page's own link, as a person clicks it.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('a[href="/admin/dashboard/push_next.csv"]').click(),
  ]);
  const downloaded = { name: download.suggestedFilename() };
  const violations = await axe(page);
  await page.setViewportSize({ width: 1280, height: 1500 }); // the headline, the overall share and the trend
  await page.evaluate(() => window.scrollTo(0, 0));
  const screenshot = await shot(page, 'admin-dashboard.png', false);
  if (config.fullPage) await page.screenshot({ path: config.fullPage, fullPage: true });
  return { status: response.status(), charts, page: page_, downloaded, violations, consoleErrors, screenshot };
}
