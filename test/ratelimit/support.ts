import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";
import { defineFeature } from "../../src/chain/feature";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { generateKeyId, generateToken, hashKey } from "../../src/session/keys";
import { adminHeaders, keylessApi, tykError } from "../support/gateway";
import { createKey } from "../support/keys";

/** An auth-token API at `/<apiId>/`; override any field. */
export function keyedApi(apiId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return keylessApi({ api_id: apiId, name: apiId, use_keyless: false, use_standard_auth: true, proxy: { listen_path: `/${apiId}/` }, ...overrides });
}

/** A keyless API at `/<apiId>/`; override any field. */
export function openApi(apiId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return keylessApi({ api_id: apiId, name: apiId, proxy: { listen_path: `/${apiId}/` }, ...overrides });
}

/** One version whose extended paths are `paths`. */
export function withPaths(paths: Record<string, unknown>): Record<string, unknown> {
  return { version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: paths } } } };
}

/** Stores a key with access to `apiIds` and these limit fields; returns the key and the name of its limiter object. */
export async function limitedKey(apiIds: string[], fields: Record<string, unknown>): Promise<{ key: string; hash: string; limiter: string }> {
  const rights = Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, api_name: apiId, versions: ["Default"] }]));
  const key = await createKey({ access_rights: rights, ...fields }, generateToken("default", generateKeyId(), "sha256"));
  const hash = await hashKey(key, "sha256");
  return { key, hash, limiter: `key:${hash}` };
}

export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/**
 * The full gateway Worker (same app as the deployed one) with the test
 * environment plus `vars`, for settings the Worker under test does not use.
 * `settle()` waits for background work (refunds, lease returns).
 */
export function gatewayWith(vars: Record<string, unknown>): { send: Send; settle: () => Promise<void>; bindings: Record<string, unknown> } {
  const app = createApp();
  const bindings = { ...env, ...vars };
  const pending: Promise<void>[] = [];
  return {
    async send(path, init) {
      const ctx = createExecutionContext();
      const response = await app.request(`http://gateway.test${path}`, init, bindings, ctx);
      pending.push(waitOnExecutionContext(ctx));
      return response;
    },
    async settle() {
      await Promise.all(pending.splice(0));
    },
    bindings,
  };
}

/** The gateway's pipeline with `upstream` in place of the proxy, for upstream answers the echo server cannot give. */
export function gatewayWithUpstream(upstream: () => Response | Promise<Response>, vars: Record<string, unknown> = {}): Send {
  const bindings = { ...env, ...vars };
  const fakeUpstream = defineFeature({ name: "TestUpstream", honours: [], compile: () => true, step: () => async () => upstream() });
  const gateway = createGateway(bindings, [...pipeline.slice(0, -1), fakeUpstream]);
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

export const keyHeader = (key: string) => ({ authorization: key });

/** Sends `count` requests at once and returns their statuses. */
export async function burst(send: Send, path: string, count: number, init?: RequestInit): Promise<number[]> {
  const responses = await Promise.all(Array.from({ length: count }, () => send(path, init)));
  return Promise.all(
    responses.map(async (response) => {
      await response.arrayBuffer();
      return response.status;
    }),
  );
}

export const countOf = (statuses: number[], status: number) => statuses.filter((value) => value === status).length;

export async function errorOf(response: Response): Promise<{ status: number; message: string }> {
  return { status: response.status, message: await tykError(response) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { adminHeaders };
