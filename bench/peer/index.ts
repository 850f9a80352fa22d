/**
 * The bench's second baseline: the gateway a Workers user would write without
 * Portcullis. Hono with its proxy helper, API keys looked up in Workers KV, and
 * Cloudflare's Rate Limiting binding on the limited route. Deliberately plain:
 * no isolate cache of its own, only KV's `cacheTtl` (what the KV documentation
 * suggests for hot keys), so it costs what a typical app costs.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { proxy } from "hono/proxy";

/** The part of Workers KV the peer uses (so bench/peer/free-bindings.ts can stand in for it). */
export interface KeyStore {
  get<Record>(key: string, options: { type: "json"; cacheTtl: number }): Promise<Record | null>;
}

export interface Env {
  UPSTREAM_ORIGIN: string;
  /** API key → its record, e.g. `{"apis":["auth","limited"]}`. */
  KEYS: KeyStore;
  RATE_LIMITER: RateLimit;
}

export interface KeyRecord {
  apis: string[];
}

type Peer = { Bindings: Env; Variables: { apiKey: string } };

/** Forwards the request unchanged (Hono drops hop-by-hop headers) with the route's prefix stripped, as the gateway's listen paths are. */
const forwardFrom = (prefix: string) =>
  createMiddleware<Peer>((c) => {
    const url = new URL(c.req.url);
    return proxy(c.env.UPSTREAM_ORIGIN + url.pathname.slice(prefix.length) + url.search, c.req.raw);
  });

/** The key in `Authorization` must exist in KV and name this API. */
const requireKey = (api: string) =>
  createMiddleware<Peer>(async (c, next) => {
    const apiKey = c.req.header("Authorization");
    if (!apiKey) return c.json({ error: "missing API key" }, 401);
    const record = await c.env.KEYS.get<KeyRecord>(apiKey, { type: "json", cacheTtl: 60 });
    if (!record) return c.json({ error: "invalid API key" }, 401);
    if (!record.apis.includes(api)) return c.json({ error: "key not allowed on this API" }, 403);
    c.set("apiKey", apiKey);
    return next();
  });

/** One counter per key, in the binding's namespace. */
const rateLimited = createMiddleware<Peer>(async (c, next) => {
  const { success } = await c.env.RATE_LIMITER.limit({ key: c.get("apiKey") });
  if (!success) return c.json({ error: "rate limit exceeded" }, 429);
  return next();
});

const app = new Hono<Peer>();
app.all("/keyless/*", forwardFrom("/keyless"));
app.all("/auth/*", requireKey("auth"), forwardFrom("/auth"));
app.all("/limited/*", requireKey("limited"), rateLimited, forwardFrom("/limited"));

export default app;
