/*
 * The dashboard's browser script, served as /dashboard/assets/dashboard.js.
 * Plain ES2020 for the browser (the Worker's types do not describe the DOM),
 * kept small: it fetches /dashboard/data for the chosen window, draws the two
 * time series with uPlot and fills the tiles and tables with textContent only
 * (API names and key aliases are data, never markup). The last data drawn is
 * on window.__dashboardData and <body data-state="ready"> once drawn, for
 * the browser test and for anyone scripting the page.
 */
export const dashboardScript = `"use strict";
(() => {
  const windows = { "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat("en");
  const ms = (value) => number.format(Math.round(value)) + " ms";
  const percent = (value) => (value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1) + "%";
  let charts = [];
  let timer;

  /** Every bucket of the window, zero where the sink had no requests, so gaps draw as zero. */
  function fill(data) {
    const { from, to, bucketSeconds } = data.range;
    const byBucket = new Map(data.series.map((point) => [point.bucket, point]));
    const x = [], requests = [], errors = [], rate = [];
    for (let bucket = Math.floor(from / bucketSeconds) * bucketSeconds; bucket < to; bucket += bucketSeconds) {
      const point = byBucket.get(bucket);
      const count = point ? point.requests : 0;
      x.push(bucket);
      requests.push(count);
      errors.push(point ? point.errors : 0);
      rate.push(count ? (100 * point.errors) / count : null);
    }
    return { x, requests, errors, rate };
  }

  function drawCharts(data) {
    for (const chart of charts) chart.destroy();
    const series = fill(data);
    const width = $("chart-requests").clientWidth || 600;
    const base = { width, height: 220, legend: { live: true }, cursor: { drag: { x: false, y: false } } };
    charts = [
      new uPlot(
        { ...base, series: [{}, { label: "requests", stroke: "#2563eb", fill: "rgba(37,99,235,0.12)", width: 2 }, { label: "errors", stroke: "#dc2626", width: 2 }] },
        [series.x, series.requests, series.errors],
        $("chart-requests"),
      ),
      new uPlot(
        {
          ...base,
          scales: { y: { range: [0, 100] } },
          series: [{}, { label: "error rate", stroke: "#dc2626", width: 2, points: { show: true }, spanGaps: false, value: (_, v) => (v == null ? "–" : v.toFixed(1) + "%") }],
          axes: [{}, { values: (_, ticks) => ticks.map((tick) => tick + "%") }],
        },
        [series.x, series.rate],
        $("chart-error-rate"),
      ),
    ];
  }

  /** One table body: a row per entry with a bar proportional to its requests. */
  function table(id, rows, cells) {
    const body = $(id);
    body.replaceChildren();
    if (rows.length === 0) {
      const row = body.insertRow();
      const cell = row.insertCell();
      cell.colSpan = cells.length + 1;
      cell.className = "empty";
      cell.textContent = "no requests in this window";
      return;
    }
    const most = Math.max(1, ...rows.map((entry) => entry.requests));
    for (const entry of rows) {
      const row = body.insertRow();
      for (const cell of cells) {
        const td = row.insertCell();
        td.textContent = cell(entry);
      }
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.style.width = ((100 * entry.requests) / most).toFixed(1) + "%";
      row.insertCell().append(bar);
    }
  }

  function render(data) {
    window.__dashboardData = data;
    $("total-requests").textContent = number.format(data.totals.requests);
    $("total-errors").textContent = number.format(data.totals.errors);
    $("error-rate").textContent = percent(data.totals.errorRate);
    $("latency-p50").textContent = ms(data.latency.p50);
    $("latency-p95").textContent = ms(data.latency.p95);
    $("latency-p99").textContent = ms(data.latency.p99);
    table("top-apis", data.topApis, [(api) => api.apiName || api.apiId, (api) => api.apiId, (api) => number.format(api.requests), (api) => number.format(api.errors)]);
    table("top-keys", data.topKeys, [(key) => key.alias || "–", (key) => key.key, (key) => number.format(key.requests)]);
    table("status-codes", data.statusCodes, [(status) => String(status.code), (status) => number.format(status.requests)]);
    table("countries", data.countries, [(country) => country.country || "unknown", (country) => number.format(country.requests)]);
    drawCharts(data);
    $("status").textContent = "from " + data.sink + ", " + new Date(data.range.from * 1000).toLocaleString() + " to " + new Date(data.range.to * 1000).toLocaleString();
    $("status").classList.remove("failed");
    document.body.dataset.state = "ready";
  }

  async function load() {
    const to = Math.ceil(Date.now() / 1000);
    const from = to - windows[$("window").value];
    try {
      const response = await fetch("/dashboard/data?from=" + from + "&to=" + to, { headers: { accept: "application/json" } });
      if (response.status === 401) return location.reload();
      const body = await response.json();
      if (!response.ok) throw new Error(body.error + (body.issues ? ": " + body.issues.join("; ") : ""));
      render(body);
    } catch (error) {
      $("status").textContent = "could not load the data: " + error.message;
      $("status").classList.add("failed");
      document.body.dataset.state = "failed";
    }
  }

  function schedule() {
    clearInterval(timer);
    if ($("refresh").checked) timer = setInterval(load, 30000);
  }

  const chosen = new URLSearchParams(location.search).get("window");
  if (chosen in windows) $("window").value = chosen;
  $("window").addEventListener("change", load);
  $("refresh").addEventListener("change", schedule);
  addEventListener("resize", () => {
    for (const chart of charts) chart.setSize({ width: $("chart-requests").clientWidth, height: 220 });
  });
  schedule();
  load();
})();
`;
