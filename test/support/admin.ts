import { env } from "cloudflare:test";
import { Hono } from "hono";
import { adminApi } from "../../src/admin";
import { gatewayFor } from "../../src/gateway";
import type { GatewayEnv } from "../../src/chain/gateway";
import { adminHeaders, gateway, keylessApi } from "./gateway";

export interface AdminReply {
  status: number;
  contentType: string | null;
  body: unknown;
}

type Send = (path: string, init: RequestInit) => Promise<Response>;

async function replyOf(response: Response): Promise<AdminReply> {
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), body: text === "" ? null : JSON.parse(text) };
}

function requester(send: Send) {
  /** Calls `/tyk<path>` with the admin secret; an object body is sent as JSON, a string as is. */
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = adminHeaders): Promise<AdminReply> => {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return replyOf(await send(`/tyk${path}`, { method, headers, body: payload }));
  };
}

/** The Gateway API of the Worker under test (its wrangler.toml and vitest settings). */
export const admin = requester((path, init) => gateway(path, init));

/**
 * The same Gateway API routes on a real gateway built from the test
 * environment plus `vars`, for settings the Worker under test does not use
 * (key hashing off, master keys allowed, no secret). It shares the Worker's KV.
 */
export function adminWith(vars: Record<string, string>) {
  const bindings = { ...env, ...vars };
  const app = new Hono<GatewayEnv>();
  app.use(async (c, next) => {
    c.set("gateway", gatewayFor(bindings));
    await next();
  });
  app.route("/tyk", adminApi);
  return requester(async (path, init) => app.request(`http://gateway.test${path}`, init));
}

/** An auth-token API proxied to the test upstream at `/<apiId>/`. */
export function protectedApi(apiId: string): Record<string, unknown> {
  return keylessApi({ api_id: apiId, name: apiId, use_keyless: false, use_standard_auth: true, proxy: { listen_path: `/${apiId}/` } });
}

export function accessRightsFor(...apiIds: string[]): Record<string, unknown> {
  return Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, api_name: apiId, versions: ["Default"] }]));
}
