/*
 * The reform dashboard's charts (bot/dashboard/): each chart is drawn from the table beside it.
 *
 * A table with data-chart-* attributes names its chart type, the column of labels, the columns
 * to plot and how many rows; the numbers are the cells' data-value attributes, written by the
 * server (bot/dashboard/tables.py). So the chart shows exactly what the table a screen reader
 * reads says, and nothing is fetched. Chart.js comes from /vendor (bot/web/node_modules).
 * When all charts are drawn, <html data-charts="N"> tells the browser tests the page is ready.
 */
(function () {
  'use strict';
  const COLOURS = ['#0b4a8b', '#c2410c', '#1d6b35', '#6d28d9', '#a16207'];
  const LABEL_CHARS = 18;

  function short(text) {
    return text.length > LABEL_CHARS ? text.slice(0, LABEL_CHARS - 1) + '…' : text;
  }

  function series(table) {
    const labelAt = Number(table.dataset.chartLabel);
    const columns = table.dataset.chartColumns.split(',').map(Number);
    const limit = table.dataset.chartLimit ? Number(table.dataset.chartLimit) : Infinity;
    const headers = [...table.tHead.rows[0].cells].map((c) => c.textContent.trim());
    const rows = [...table.tBodies[0].rows].filter((r) => r.cells.length > labelAt).slice(0, limit);
    return {
      labels: rows.map((r) => r.cells[labelAt].textContent.trim()),
      datasets: columns.map((at, i) => ({
        label: headers[at],
        data: rows.map((r) => (r.cells[at].dataset.value === undefined ? null : Number(r.cells[at].dataset.value))),
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
        spanGaps: true,
      })),
    };
  }

  function draw(table) {
    const canvas = document.getElementById(table.dataset.chartCanvas);
    const type = table.dataset.chart;
    const percent = table.dataset.chartPercent === 'true';
    const data = series(table);
    const horizontal = type === 'hbar';
    if (horizontal) canvas.parentElement.style.height = Math.max(180, data.labels.length * 22 + 60) + 'px';
    // Bars start at zero (a share out of 100%); a trend line zooms to its range, since a
    // published exemption moves the share by tenths of a point.
    const line = type === 'line';
    const valueAxis = {
      beginAtZero: !line,
      max: percent && !line ? 100 : undefined,
      grace: line ? '5%' : 0,
      ticks: { callback: (v) => (percent ? v + '%' : v) },
    };
    const labelAxis = { ticks: { autoSkip: false, callback(v) { return short(this.getLabelForValue(v)); } } };
    // eslint-disable-next-line no-undef
    return new Chart(canvas, {
      type: type === 'line' ? 'line' : 'bar',
      data,
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: data.datasets.length > 1 },
          tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.formattedValue}${percent ? '%' : ''}` } },
        },
      },
    });
  }

  function start() {
    const tables = [...document.querySelectorAll('table[data-chart]')];
    let drawn = 0;
    for (const table of tables) {
      try {
        draw(table);
        drawn += 1;
      } catch (err) {
        // A chart that cannot be drawn leaves its table, which says the same.
        table.closest('.dash-pair').classList.add('dash-pair-table');
        console.error('chart', table.id, err);
      }
    }
    document.documentElement.dataset.charts = String(drawn);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
