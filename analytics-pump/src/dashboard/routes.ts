import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as z from "zod";
import { type PumpConfig, pumpConfig } from "../config";
import { issueSession, minimumSecretLength, secretMatches, sessionCookie, sessionSeconds, sessionValid } from "./auth";
import { dashboardScript } from "./client";
import { dashboardDataSchema } from "./data";
import { dashboardPage, dashboardStyles, loginPage } from "./page";
import { parseDashboardQuery } from "./params";
import { dashboardQueriesFor } from "./readers";
import { uplotLicense, uplotScript, uplotStyles, uplotVersion } from "./vendor/uplot";

/*
 * The pump Worker's HTTP side: the analytics dashboard under /dashboard, and
 * nothing else. With no PUMP_DASHBOARD_SECRET every path answers 404: the
 * dashboard is never open. Pages, scripts and data need the secret (bearer
 * header or the login form's session cookie); only the stylesheet the login
 * form uses is served without it.
 */

type Env = { Bindings: object; Variables: { config: PumpConfig; secret: string } };
type DashboardContext = Context<Env>;

const assets: Record<string, { type: string; body: string }> = {
  "uplot.js": { type: "text/javascript", body: `/*! uPlot ${uplotVersion}\n${uplotLicense}\n*/\n${uplotScript}` },
  "uplot.css": { type: "text/css", body: uplotStyles },
  "dashboard.js": { type: "text/javascript", body: dashboardScript },
  "dashboard.css": { type: "text/css", body: dashboardStyles },
};

const securityHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const loginForm = z.object({ secret: z.string().max(4096) });
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function authenticated(c: DashboardContext): Promise<boolean> {
  const secret = c.get("secret");
  const bearer = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (bearer !== undefined) return secretMatches(bearer, secret);
  const session = getCookie(c, sessionCookie);
  return session !== undefined && sessionValid(session, secret, nowSeconds());
}

export const dashboardApp = new Hono<Env>();

dashboardApp.use("*", async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(securityHeaders)) c.res.headers.set(name, value);
  if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
});

dashboardApp.use("/dashboard/*", async (c, next) => {
  let config: PumpConfig;
  try {
    config = pumpConfig(c.env);
  } catch (error) {
    console.error(`dashboard: ${error instanceof Error ? error.message : String(error)}`);
    return c.json({ error: "the analytics pump's configuration is invalid; its logs say why" }, 503);
  }
  const secret = config.PUMP_DASHBOARD_SECRET ?? "";
  if (secret === "") return c.notFound();
  if (secret.length < minimumSecretLength) {
    return c.text(`the dashboard is off: PUMP_DASHBOARD_SECRET must be at least ${minimumSecretLength} characters`, 503);
  }
  c.set("config", config);
  c.set("secret", secret);
  return next();
});

dashboardApp.post("/dashboard/login", async (c) => {
  const form = loginForm.safeParse(Object.fromEntries(await c.req.formData().catch(() => new FormData())));
  if (!form.success || !(await secretMatches(form.data.secret, c.get("secret")))) return c.html(loginPage("wrong"), 401);
  setCookie(c, sessionCookie, await issueSession(c.get("secret"), nowSeconds()), {
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    path: "/dashboard",
    maxAge: sessionSeconds,
  });
  return c.redirect("/dashboard", 303);
});

dashboardApp.post("/dashboard/logout", (c) => {
  deleteCookie(c, sessionCookie, { path: "/dashboard" });
  return c.redirect("/dashboard", 303);
});

dashboardApp.get("/dashboard/assets/dashboard.css", (c) => c.body(dashboardStyles, 200, { "content-type": "text/css; charset=utf-8" }));

dashboardApp.use("/dashboard/*", async (c, next) => {
  if (await authenticated(c)) return next();
  if (c.req.path === "/dashboard" && c.req.method === "GET") return c.html(loginPage("prompt"), 401);
  c.header("www-authenticate", 'Bearer realm="portcullis-dashboard"');
  return c.json({ error: "sign in at /dashboard or send Authorization: Bearer <PUMP_DASHBOARD_SECRET>" }, 401);
});

dashboardApp.get("/dashboard", (c) => c.html(dashboardPage));

dashboardApp.get("/dashboard/assets/:name", (c) => {
  const asset = assets[c.req.param("name")];
  if (!asset) return c.notFound();
  return c.body(asset.body, 200, { "content-type": `${asset.type}; charset=utf-8`, "cache-control": "private, max-age=3600" });
});

dashboardApp.get("/dashboard/data", async (c) => {
  const query = parseDashboardQuery(c.req.query(), nowSeconds());
  if (!query.ok) return c.json({ error: "invalid query", issues: query.errors }, 400);
  const { sink, queries } = dashboardQueriesFor(c.get("config"));
  let data: unknown;
  try {
    data = await queries.read(query.value.range, query.value.limit);
  } catch (error) {
    console.error(`dashboard: reading the ${sink} sink failed: ${error instanceof Error ? error.message : String(error)}`);
    return c.json({ error: `could not read the ${sink} sink; the pump's logs say why` }, 502);
  }
  const checked = dashboardDataSchema.safeParse(data);
  if (!checked.success) {
    console.error(`dashboard: the ${sink} reader answered outside the data contract: ${checked.error.message}`);
    return c.json({ error: `the ${sink} reader answered outside the dashboard's data contract` }, 500);
  }
  return c.json(checked.data);
});
