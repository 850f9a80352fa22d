import { env } from "cloudflare:test";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { defineFeature } from "../../src/chain/feature";
import { authentication } from "../../src/features/auth";
import { applySessionPolicies } from "../../src/features/policies";
import { versionCheck } from "../../src/features/version-check";
import { createGateway } from "../../src/gateway";
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

/** Answers with the session the rest of the pipeline (rate limits, analytics) would see. */
const sessionEcho = defineFeature({
  name: "SessionEcho",
  honours: [],
  compile: () => true,
  step: () => async (ctx) => Response.json({ sessionId: ctx.sessionId, session: ctx.session }),
});

/** The real pipeline up to the policy merge, then the session it produced. */
export function sessionProbe(vars: Record<string, string> = {}) {
  const bindings = { ...env, ...vars };
  const gateway = createGateway(bindings, [versionCheck, authentication, applySessionPolicies, sessionEcho]);
  const app = createApp(() => gateway);
  return async (path: string, init?: RequestInit): Promise<Probe> => {
    const response = await app.request(`http://gateway.test${path}`, init, bindings);
    const body = (await response.json()) as Omit<Probe, "status">;
    return { status: response.status, ...body };
  };
}
