import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoUpstream } from "../../../test/support/upstream";
import { type DashboardData, dashboardDataSchema } from "../../src/dashboard/data";
import { type LocalStack, startLocalStack } from "./support/local-stack";

/*
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core; no browser is ever downloaded). Real traffic goes
 * through the gateway to a loopback upstream, its records through the real
 * queue into the pump's D1; the test then signs in on the page and checks
 * that what the page drew is what was sent. Skipped, saying so, where
 * Chromium is missing, except in CI (CI=true), which installs it.
 * UPDATE_DASHBOARD_SCREENSHOT=1 also writes docs/images/dashboard.png.
 */

const chromiumPath = "/usr/bin/chromium";
const haveChromium = existsSync(chromiumPath);
const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const screenshotPath = fileURLToPath(new URL("../../../docs/images/dashboard.png", import.meta.url).href);
const gatewaySecret = "browser-test-gateway-secret";
const dashboardSecret = "browser-test-dashboard-secret-0123";

if (!haveChromium) {
  const message = `${chromiumPath} not found: the dashboard browser test needs Debian's chromium (apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`skipped: ${message}`);
}

/** One round of traffic: per API and key (undefined: none, so the gateway answers 401), the upstream path, how many requests and their status. */
interface Sent {
  api: "shop" | "stock";
  key: "alice" | "bob" | undefined;
  path: string;
  count: number;
  status: number;
}
const mix: Sent[] = [
  { api: "shop", key: "alice", path: "/items", count: 6, status: 200 },
  { api: "shop", key: "bob", path: "/status/404", count: 3, status: 404 },
  { api: "stock", key: "alice", path: "/status/503", count: 2, status: 503 },
  { api: "stock", key: "bob", path: "/levels", count: 4, status: 200 },
  { api: "stock", key: undefined, path: "/levels", count: 2, status: 401 },
];
/** For the screenshot, rounds spread over two minutes, each a little different, so the charts have a shape. */
const screenshot = process.env.UPDATE_DASHBOARD_SCREENSHOT === "1";
const rounds = screenshot ? 12 : 1;
const roundPauseMs = 10_000;
const sent: Sent[] = [];
const sumWhere = (match: (entry: Sent) => boolean) => sent.filter(match).reduce((sum, entry) => sum + entry.count, 0);
const total = () => sumWhere(() => true);

let stack: LocalStack;
let upstream: { server: Server; url: string };
let profile: string;
let browser: BrowserContext;
const keys: Record<string, string> = {};
const recordedKeys: Record<string, string> = {};

async function admin(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.gateway}/tyk${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-tyk-authorization": gatewaySecret, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as Record<string, unknown>;
}

async function setUpGateway(): Promise<void> {
  for (const api of ["shop", "stock"]) {
    await admin("/apis", {
      api_id: api,
      name: `${api[0]!.toUpperCase()}${api.slice(1)} API`,
      org_id: "default",
      use_standard_auth: true,
      auth: { auth_header_name: "Authorization" },
      proxy: { listen_path: `/${api}/`, target_url: upstream.url, strip_listen_path: true },
      version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    });
  }
  await admin("/reload", undefined);
  const access = Object.fromEntries(["shop", "stock"].map((api) => [api, { api_id: api, api_name: api, versions: ["Default"] }]));
  for (const alias of ["alice", "bob"]) {
    const created = await admin("/keys/create", { org_id: "default", alias, access_rights: access });
    keys[alias] = String(created.key);
    // Analytics records carry the key as the gateway stores it: hashed when it hashes keys.
    recordedKeys[String(created.key_hash ?? created.key)] = alias;
  }
}

async function send(entry: Sent): Promise<void> {
  for (let request = 0; request < entry.count; request++) {
    const headers: Record<string, string> = entry.key ? { authorization: keys[entry.key]! } : {};
    const response = await fetch(`${stack.gateway}/${entry.api}${entry.path}`, { headers, signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    expect(response.status, `${entry.api}${entry.path} as ${entry.key ?? "nobody"}`).toBe(entry.status);
  }
  sent.push(entry);
}

async function sendTraffic(): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, roundPauseMs));
    const vary = (entry: Sent) => (entry.status === 200 ? entry.count * (2 + ((round * 7) % 5)) : (entry.count * ((round * 3) % 4)) % 5);
    for (const entry of mix) await send(round === 0 ? entry : { ...entry, count: vary(entry) });
  }
}

/** The dashboard's data once the pump has stored every request sent (polled, at most 30 s). */
async function storedData(): Promise<DashboardData> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(`${stack.pump}/dashboard/data?from=${Math.floor(Date.now() / 1000) - 900}`, {
      headers: { authorization: `Bearer ${dashboardSecret}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const data = dashboardDataSchema.parse(await response.json());
    if (data.totals.requests >= total() || Date.now() > deadline) return data;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!haveChromium)("the analytics dashboard in Chromium", () => {
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    stack = await startLocalStack(gatewaySecret, dashboardSecret);
    profile = mkdtempSync(join(tmpdir(), "portcullis-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      viewport: { width: 1280, height: 900 },
      timeout: 30_000,
    });
    await setUpGateway();
    await sendTraffic();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.server.close(() => resolve()) : resolve()));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("stores every request the gateway served", async () => {
    const data = await storedData();
    expect(data.totals.requests, stack.logs.join("\n")).toBe(total());
  });

  it("draws, after signing in, the requests, errors, top APIs, keys and status codes that were sent", async () => {
    await storedData();
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("pageerror", (error) => failures.push(error.message));
    page.on("console", (message) => message.type() === "error" && failures.push(message.text()));

    const login = await page.goto(`${stack.pump}/dashboard?window=15m`, { timeout: 10_000 });
    expect(login?.status()).toBe(401);
    await page.fill('input[name="secret"]', "not-the-secret-at-all");
    await Promise.all([page.waitForURL(`${stack.pump}/dashboard/login`, { timeout: 10_000 }), page.click('button[type="submit"]')]);
    expect(await page.textContent("form p")).toBe("That is not the dashboard secret.");
    await page.fill('input[name="secret"]', dashboardSecret);
    // From here on, not one script error or failed load: the sign-in pages before answer 401 by design.
    failures.length = 0;
    await Promise.all([page.waitForURL(`${stack.pump}/dashboard`, { timeout: 10_000 }), page.click('button[type="submit"]')]);
    await page.selectOption("#window", "15m");
    await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });

    const drawn = dashboardDataSchema.parse(await page.evaluate(() => (globalThis as unknown as { __dashboardData: unknown }).__dashboardData));
    const requests = total();
    const errors = sumWhere((entry) => entry.status >= 400);
    expect(drawn.totals).toEqual({ requests, errors, errorRate: errors / requests });
    expect(drawn.series.reduce((sum, point) => sum + point.requests, 0)).toBe(requests);
    const ranked = <T extends { requests: number }>(rows: T[], name: (row: T) => string) =>
      rows.toSorted((a, b) => b.requests - a.requests || name(a).localeCompare(name(b)));
    const perApi = ["shop", "stock"].map((apiId) => ({
      apiId,
      requests: sumWhere((entry) => entry.api === apiId),
      errors: sumWhere((entry) => entry.api === apiId && entry.status >= 400),
    }));
    expect(drawn.topApis.map(({ apiId, requests, errors }) => ({ apiId, requests, errors }))).toEqual(ranked(perApi, (api) => api.apiId));
    // Keyless requests (the 401s) are nobody's key traffic.
    const perKey = ["alice", "bob"].map((alias) => ({ alias, requests: sumWhere((entry) => entry.key === alias) }));
    expect(drawn.topKeys.map(({ key, alias, requests }) => ({ alias, requests, ownKey: recordedKeys[key] === alias }))).toEqual(
      ranked(perKey, (key) => key.alias).map((key) => ({ ...key, ownKey: true })),
    );
    const byStatus = [200, 404, 401, 503].map((code) => ({ code, requests: sumWhere((entry) => entry.status === code) }));
    expect(drawn.statusCodes).toEqual(byStatus.toSorted((a, b) => b.requests - a.requests || a.code - b.code));
    expect(drawn.countries).toEqual([{ country: "NL", requests }]);
    expect(drawn.latency.p50).toBeLessThanOrEqual(drawn.latency.p95);
    expect(drawn.latency.p95).toBeLessThanOrEqual(drawn.latency.p99);

    // What a reader sees: the tiles, the tables and two uPlot charts on canvases.
    expect(await page.textContent("#total-requests")).toBe(requests.toLocaleString("en"));
    expect(await page.textContent("#total-errors")).toBe(errors.toLocaleString("en"));
    expect(await page.textContent("#error-rate")).toBe(`${((100 * errors) / requests).toFixed(1)}%`);
    const apiRows = await page.$$eval("#top-apis tr", (rows) => rows.map((row) => [...row.querySelectorAll("td")].slice(0, 4).map((cell) => cell.textContent)));
    expect(apiRows).toEqual(drawn.topApis.map((api) => [api.apiName, api.apiId, api.requests.toLocaleString("en"), api.errors.toLocaleString("en")]));
    expect(await page.$$eval("#top-keys tr td:first-child", (cells) => cells.map((cell) => cell.textContent))).toEqual(drawn.topKeys.map((key) => key.alias));
    expect(await page.$$eval(".uplot canvas", (canvases) => canvases.length)).toBe(2);
    expect(failures).toEqual([]);

    if (screenshot) {
      mkdirSync(dirname(screenshotPath), { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
    }
    await page.close();
  });
});
