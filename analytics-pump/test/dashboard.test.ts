import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AnalyticsRecord } from "../../src/contract/analytics-record";
import { emptyGeo } from "../../src/contract/analytics-record";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { issueSession, sessionValid } from "../src/dashboard/auth";
import { type DashboardData, dashboardDataSchema } from "../src/dashboard/data";
import worker from "../src/index";
import { deliver, deliveriesOf } from "./support/pump";

const secret = "dashboard-test-secret-0123456789";

type IncomingRequest = Parameters<typeof worker.fetch>[0];

/** A request to the pump Worker's fetch handler, with extra vars (by default the dashboard secret). */
async function pump(path: string, init: RequestInit = {}, vars: Record<string, string> = { PUMP_DASHBOARD_SECRET: secret }): Promise<Response> {
  const request = new Request(`http://pump.test${path}`, { redirect: "manual", ...init }) as IncomingRequest;
  return worker.fetch(request, { ...env, ...vars }, createExecutionContext());
}

const bearer = { headers: { authorization: `Bearer ${secret}` } };
/** Empty, as unset: stated, because a local analytics-pump/.dev.vars (made by npm start) sets a secret for the test Worker too. */
const off = { PUMP_DASHBOARD_SECRET: "" };

async function login(presented: string): Promise<Response> {
  return pump("/dashboard/login", { method: "POST", body: new URLSearchParams({ secret: presented }) });
}

describe("dashboard protection", () => {
  it("is off (404 everywhere) without PUMP_DASHBOARD_SECRET", async () => {
    for (const path of ["/dashboard", "/dashboard/data", "/dashboard/assets/uplot.js", "/dashboard/assets/dashboard.css"]) {
      expect((await pump(path, bearer, off)).status, path).toBe(404);
    }
    expect((await pump("/dashboard/login", { method: "POST", body: new URLSearchParams({ secret: "" }) }, off)).status).toBe(404);
  });

  it("stays off with a secret shorter than 16 characters", async () => {
    const response = await pump("/dashboard/data", { headers: { authorization: "Bearer short" } }, { PUMP_DASHBOARD_SECRET: "short" });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("at least 16 characters");
  });

  it("answers 404 outside /dashboard", async () => {
    expect((await pump("/", bearer)).status).toBe(404);
    expect((await pump("/dashboardx", bearer)).status).toBe(404);
  });

  it("asks for the secret: the login form for the page, 401 with WWW-Authenticate for data", async () => {
    const page = await pump("/dashboard");
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('action="/dashboard/login"');
    const data = await pump("/dashboard/data");
    expect(data.status).toBe(401);
    expect(data.headers.get("www-authenticate")).toBe('Bearer realm="portcullis-dashboard"');
    expect((await pump("/dashboard/data", { headers: { authorization: `Bearer ${secret}x` } })).status).toBe(401);
    expect((await pump("/dashboard/assets/dashboard.js")).status).toBe(401);
  });

  it("refuses a wrong secret at the login form and sets no cookie", async () => {
    const response = await login("not-the-secret-at-all");
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).toContain("That is not the dashboard secret.");
  });

  it("signs in with the secret: an HttpOnly, SameSite=Strict session cookie that opens the page", async () => {
    const response = await login(secret);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/dashboard");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^portcullis_dashboard=\d+\.[\w-]{43}; Max-Age=43200; Path=\/dashboard; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain(secret);
    const session = cookie.split(";")[0]!;
    const page = await pump("/dashboard", { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/dashboard/assets/uplot.js" defer></script>');
    expect((await pump("/dashboard/data", { headers: { cookie: session } })).status).toBe(200);
    // Another secret's sessions (e.g. after rotating it) no longer open anything.
    expect((await pump("/dashboard", { headers: { cookie: session } }, { PUMP_DASHBOARD_SECRET: `${secret}-rotated` })).status).toBe(401);
    const tampered = session.replace(/=(\d+)\./, (_, expires: string) => `=${Number(expires) + 1}.`);
    expect((await pump("/dashboard", { headers: { cookie: tampered } })).status).toBe(401);
  });

  it("marks the session cookie Secure over https", async () => {
    const response = await worker.fetch(
      new Request("https://pump.test/dashboard/login", { method: "POST", body: new URLSearchParams({ secret }) }) as IncomingRequest,
      { ...env, PUMP_DASHBOARD_SECRET: secret },
      createExecutionContext(),
    );
    expect(response.headers.get("set-cookie")).toContain("; Secure");
  });

  it("ends a session when it expires", async () => {
    const token = await issueSession(secret, 1_000);
    expect(await sessionValid(token, secret, 1_000 + 3600)).toBe(true);
    expect(await sessionValid(token, secret, 1_000 + 12 * 3600)).toBe(false);
  });

  it("serves uPlot with its licence, and the page's script and styles", async () => {
    const uplot = await pump("/dashboard/assets/uplot.js", bearer);
    expect(uplot.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const source = await uplot.text();
    expect(source).toMatch(/^\/\*! uPlot \d+\.\d+\.\d+\nThe MIT License/);
    expect(source).toContain("var uPlot=function()");
    expect(await (await pump("/dashboard/assets/dashboard.js", bearer)).text()).toContain("window.__dashboardData = data");
    expect((await pump("/dashboard/assets/dashboard.css")).status).toBe(200);
    expect((await pump("/dashboard/assets/other.js", bearer)).status).toBe(404);
  });
});

describe("GET /dashboard/data query", () => {
  const issues = async (query: string) => {
    const response = await pump(`/dashboard/data?${query}`, bearer);
    expect(response.status).toBe(400);
    return ((await response.json()) as { issues: string[] }).issues;
  };

  it("rejects bad values with a message naming each", async () => {
    expect(await issues("from=abc&to=10")).toEqual(["from must be a whole number of seconds"]);
    expect(await issues("from=10&to=5")).toEqual(["from must be before to"]);
    expect(await issues("from=0&to=100&bucket=0")).toEqual(["bucket must be at least 1 second"]);
    expect(await issues("from=0&to=100&limit=51")).toEqual(["limit must be at most 50"]);
    expect(await issues(`from=0&to=${40 * 86_400}`)).toEqual(["the window from..to must be at most 2678400 seconds (31 days)"]);
    expect(await issues("from=0&to=86400&bucket=1")).toEqual(["bucket is too small: the window would have more than 2000 buckets"]);
  });

  it("defaults to the last hour in 30 s buckets", async () => {
    const before = Math.floor(Date.now() / 1000);
    const data = dashboardDataSchema.parse(await (await pump("/dashboard/data", bearer)).json());
    expect(data.range.to - data.range.from).toBe(3600);
    expect(data.range.to).toBeGreaterThanOrEqual(before);
    expect(data.range.bucketSeconds).toBe(30);
    expect(data.sink).toBe("d1");
  });
});

describe("the sink the dashboard reads", () => {
  it("is the first one ANALYTICS_SINKS names; one that cannot be read answers 502 naming it", async () => {
    // Loopback ports nothing listens on: the readers' connections are refused at once.
    const postgres = await pump("/dashboard/data", bearer, {
      PUMP_DASHBOARD_SECRET: secret,
      ANALYTICS_SINKS: "postgres,d1",
      POSTGRES_URL: "postgres://u@127.0.0.1:1/db",
    });
    expect(postgres.status).toBe(502);
    expect(await postgres.json()).toEqual({ error: "could not read the postgres sink; the pump's logs say why" });
    const clickhouse = await pump("/dashboard/data", bearer, {
      PUMP_DASHBOARD_SECRET: secret,
      ANALYTICS_SINKS: "clickhouse",
      CLICKHOUSE_URL: "http://127.0.0.1:1",
    });
    expect(clickhouse.status).toBe(502);
    expect(await clickhouse.json()).toEqual({ error: "could not read the clickhouse sink; the pump's logs say why" });
  });
});

describe("the D1 reader", () => {
  // A window no other test writes into, on a minute boundary: 2001-09-09T01:47:00Z onwards.
  const from = 1_000_000_020;
  const at = (second: number) => new Date((from + second) * 1000).toISOString();
  const geo = (country: string) => ({ ...emptyGeo(), country: { iso_code: country } });
  const records: AnalyticsRecord[] = Array.from({ length: 40 }, (_, index) =>
    sampleRecord(index, {
      timestamp: at(index * 15), // 40 records over 10 minutes: four per 60 s bucket
      api_id: index < 25 ? "dash-orders" : "dash-users",
      api_name: index < 25 ? "Orders" : "Users",
      api_key: index % 4 === 0 ? "" : `dash-key-${index % 2}`,
      alias: index % 2 === 0 ? "even" : "odd",
      response_code: index % 10 === 3 ? 503 : index % 5 === 1 ? 404 : 200,
      request_time: index + 1,
      geo: geo(index < 30 ? "NL" : index < 38 ? "DE" : ""),
      // Old timestamps, but kept: the D1 sink deletes rows past their expireAt.
      expireAt: new Date(Date.now() + 86_400_000).toISOString(),
    }),
  );

  it("fills the data contract from the stored records", async () => {
    await deliver(deliveriesOf(records));
    const response = await pump(`/dashboard/data?from=${from}&to=${from + 600}&bucket=60&limit=5`, bearer);
    expect(response.status).toBe(200);
    const data: DashboardData = dashboardDataSchema.parse(await response.json());
    const errors = (list: AnalyticsRecord[]) => list.filter((record) => record.response_code >= 400).length;
    expect(data.totals).toEqual({ requests: 40, errors: errors(records), errorRate: errors(records) / 40 });
    expect(data.series).toEqual(
      Array.from({ length: 10 }, (_, minute) => {
        const inMinute = records.slice(minute * 4, minute * 4 + 4);
        return { bucket: from + minute * 60, requests: 4, errors: errors(inMinute) };
      }),
    );
    // Nearest rank over request_time 1..40: the ceil(p * 40)-th smallest.
    expect(data.latency).toEqual({ p50: 20, p95: 38, p99: 40 });
    expect(data.topApis).toEqual([
      { apiId: "dash-orders", apiName: "Orders", requests: 25, errors: errors(records.slice(0, 25)) },
      { apiId: "dash-users", apiName: "Users", requests: 15, errors: errors(records.slice(25)) },
    ]);
    expect(data.topKeys).toEqual([
      { key: "dash-key-1", alias: "odd", requests: 20 },
      { key: "dash-key-0", alias: "even", requests: 10 },
    ]);
    expect(data.statusCodes).toEqual([
      { code: 200, requests: records.filter((record) => record.response_code === 200).length },
      { code: 404, requests: 8 },
      { code: 503, requests: 4 },
    ]);
    expect(data.countries).toEqual([
      { country: "NL", requests: 30 },
      { country: "DE", requests: 8 },
      { country: "", requests: 2 },
    ]);
  });

  it("cuts the top lists at the limit and leaves out what is outside the window", async () => {
    const data = dashboardDataSchema.parse(await (await pump(`/dashboard/data?from=${from + 60}&to=${from + 120}&bucket=60&limit=1`, bearer)).json());
    expect(data.totals.requests).toBe(4);
    expect(data.series).toHaveLength(1);
    expect(data.topApis).toHaveLength(1);
    expect(data.statusCodes).toHaveLength(1);
  });
});
