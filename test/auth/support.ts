import { env } from "cloudflare:test";
import { Hono } from "hono";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { authenticate } from "../../src/auth/chain";
import { renderTykError, TykError } from "../../src/errors";
import { gatewayFor } from "../../src/gateway";
import { applySessionPolicies } from "../../src/middleware/apply-policies";
import { resolveApi } from "../../src/middleware/resolve-api";
import { checkVersion } from "../../src/middleware/version-check";
import type { GatewayEnv } from "../../src/types";
import { keylessApi, tykError } from "../support/gateway";

/** An API at `/<apiId>/` proxied to the test upstream, with the given auth switches. */
export function securedApi(apiId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return keylessApi({ api_id: apiId, name: apiId, use_keyless: false, proxy: { listen_path: `/${apiId}/` }, ...overrides });
}

export async function expectError(response: Response, status: number, message: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await tykError(response)).toBe(message);
}

export function basicHeader(username: string, password: string): string {
  return `Basic ${btoa(`${username}:${password}`)}`;
}

export function accessTo(...apiIds: string[]): Record<string, unknown> {
  return Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, api_name: apiId, versions: ["Default"] }]));
}

/**
 * The whole gateway (pipeline and Gateway API) built from the test Worker's
 * bindings plus `vars`, for settings the Worker under test does not use. It
 * shares the Worker's KV; build it after the APIs are stored.
 */
export function gatewayWith(vars: Record<string, string>) {
  const bindings = { ...env, ...vars };
  const app = createApp();
  return (path: string, init?: RequestInit) => app.request(`http://gateway.test${path}`, init, bindings);
}

export interface Probe {
  status: number;
  sessionId?: string;
  session?: Record<string, unknown>;
  error?: string;
}

/**
 * The real pipeline up to the policy merge, answering with the session the
 * rest of the pipeline (rate limits, analytics) would see.
 */
export function sessionProbe(vars: Record<string, string> = {}) {
  const bindings = { ...env, ...vars };
  const app = new Hono<GatewayEnv>();
  app.use(async (c, next) => {
    c.set("gateway", gatewayFor(bindings));
    await next();
  });
  app.all("*", resolveApi, checkVersion, authenticate, applySessionPolicies, (c) => c.json({ sessionId: c.var.sessionId, session: c.var.session }));
  app.onError((error) => (error instanceof TykError ? renderTykError(error, new Request("http://probe"), true) : new Response(String(error), { status: 500 })));
  return async (path: string, init?: RequestInit): Promise<Probe> => {
    const response = await app.request(`http://gateway.test${path}`, init, bindings);
    const body = (await response.json()) as Omit<Probe, "status">;
    return { status: response.status, ...body };
  };
}
