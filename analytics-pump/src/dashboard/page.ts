/*
 * The dashboard's two pages and its stylesheet. Nothing here interpolates
 * data: the login page's only variable part is one of two fixed messages, and
 * the dashboard fills itself from /dashboard/data in the browser.
 */

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">`;

export const loginMessages = {
  prompt: "Enter the dashboard secret (PUMP_DASHBOARD_SECRET).",
  wrong: "That is not the dashboard secret.",
} as const;

export function loginPage(message: keyof typeof loginMessages): string {
  return `${head("Portcullis analytics: sign in")}
</head>
<body class="login">
<form method="post" action="/dashboard/login">
<h1>Portcullis analytics</h1>
<p class="${message}">${loginMessages[message]}</p>
<label>Secret <input type="password" name="secret" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>
</body>
</html>`;
}

const tile = (id: string, label: string) => `<div class="tile"><span class="label">${label}</span><span class="value" id="${id}">–</span></div>`;

const listing = (id: string, title: string, columns: string[]) => `<section class="list">
<h2>${title}</h2>
<table><thead><tr>${columns.map((column) => `<th>${column}</th>`).join("")}<th></th></tr></thead><tbody id="${id}"></tbody></table>
</section>`;

export const dashboardPage = `${head("Portcullis analytics")}
<link rel="stylesheet" href="/dashboard/assets/uplot.css">
<script src="/dashboard/assets/uplot.js" defer></script>
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body data-state="loading">
<header>
<h1>Portcullis analytics</h1>
<label>Window <select id="window">
<option value="15m">last 15 minutes</option><option value="1h" selected>last hour</option><option value="6h">last 6 hours</option>
<option value="24h">last 24 hours</option><option value="7d">last 7 days</option>
</select></label>
<label><input type="checkbox" id="refresh" checked> refresh every 30 s</label>
<form method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>
</header>
<p id="status">loading…</p>
<section class="tiles">
${tile("total-requests", "Requests")}${tile("total-errors", "Errors (status ≥ 400)")}${tile("error-rate", "Error rate")}
${tile("latency-p50", "Latency p50")}${tile("latency-p95", "Latency p95")}${tile("latency-p99", "Latency p99")}
</section>
<section class="charts">
<figure><figcaption>Requests and errors over time</figcaption><div id="chart-requests"></div></figure>
<figure><figcaption>Error rate over time</figcaption><div id="chart-error-rate"></div></figure>
</section>
<section class="lists">
${listing("top-apis", "Top APIs", ["API", "ID", "Requests", "Errors"])}
${listing("top-keys", "Top keys", ["Alias", "Key", "Requests"])}
${listing("status-codes", "Status codes", ["Code", "Requests"])}
${listing("countries", "Countries", ["Country", "Requests"])}
</section>
</body>
</html>`;

export const dashboardStyles = `
:root { color-scheme: light; font: 14px/1.4 system-ui, sans-serif; color: #111827; background: #f3f4f6; }
body { margin: 0 auto; padding: 16px 24px; max-width: 1280px; }
h1 { font-size: 20px; margin: 0; flex: 1; }
h2 { font-size: 15px; margin: 0 0 8px; }
header { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
header form { margin: 0; }
#status { color: #4b5563; margin: 8px 0 16px; }
#status.failed { color: #b91c1c; }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.tile, figure, .list { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px; margin: 0; }
.tile .label { display: block; color: #6b7280; font-size: 12px; }
.tile .value { font-size: 22px; font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.lists { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #f3f4f6; max-width: 240px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
th:last-child, td:last-child { width: 30%; }
td.empty { color: #6b7280; }
.bar { height: 10px; background: #93c5fd; border-radius: 2px; min-width: 2px; }
body.login { display: grid; place-items: center; min-height: 90vh; }
body.login form { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 24px; display: grid; gap: 12px; min-width: 320px; }
body.login .wrong { color: #b91c1c; }
input, select, button { font: inherit; }
@media (max-width: 900px) { .tiles { grid-template-columns: repeat(3, 1fr); } .charts, .lists { grid-template-columns: 1fr; } }
`;
