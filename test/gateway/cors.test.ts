import { createExecutionContext, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { Feature } from "../../src/chain/feature";
import { defineFeature } from "../../src/chain/feature";
import { cors } from "../../src/features/cors";
import { versionCheck } from "../../src/features/version-check";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { echoOf, keylessApi, loadApis, tykError, upstreamUrl } from "../support/gateway";

/* Tyk's CORS middleware (rs/cors v1.11.1) through the Worker, right after the version check. */

/** The pipeline with CORS in Tyk's place; once src/pipeline.ts lists it, the pipeline itself. */
function withCors(features: readonly Feature[] = pipeline): Feature[] {
  if (features.includes(cors)) return [...features];
  const at = features.indexOf(versionCheck) + 1;
  return [...features.slice(0, at), cors, ...features.slice(at)];
}

type Send = (path: string, init?: RequestInit) => Promise<Response>;

function gatewayOf(features: readonly Feature[]): Send {
  const bindings = { ...env };
  const gateway = createGateway(bindings, features);
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

const corsApi = (apiId: string, settings: Record<string, unknown>, overrides: Record<string, unknown> = {}) =>
  keylessApi({ api_id: apiId, name: apiId, proxy: { listen_path: `/${apiId}/` }, CORS: { enable: true, ...settings }, ...overrides });

const app = "https://app.example.com";
const preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const corsNames = [
  "access-control-allow-origin",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-allow-credentials",
  "access-control-expose-headers",
  "access-control-max-age",
];

const preflight = (origin: string, method: string, requested?: string): RequestInit => ({
  method: "OPTIONS",
  headers: { origin, "access-control-request-method": method, ...(requested ? { "access-control-request-headers": requested } : {}) },
});

function corsHeadersOf(response: Response): Record<string, string> {
  return Object.fromEntries(corsNames.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
}

/** A gateway answer that never reached the upstream. */
async function expectAnsweredByGateway(response: Response, status: number): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("x-upstream")).toBeNull();
  expect(await response.text()).toBe("");
}

describe("CORS", () => {
  let send: Send;

  beforeAll(async () => {
    await loadApis(
      corsApi("cors", {
        allowed_origins: [app, "https://*.example.org"],
        allowed_methods: ["GET", "POST", "PUT"],
        allowed_headers: ["Content-Type", "X-Custom"],
        exposed_headers: ["x-request-id", "x-trace"],
        allow_credentials: true,
        max_age: 600,
      }),
      corsApi("cors-open", {}),
      corsApi("cors-pass", { allowed_origins: [app], allowed_methods: ["GET", "PUT"], options_passthrough: true }),
      corsApi("cors-keyed", { allowed_origins: [app], allow_credentials: true }, { use_keyless: false, use_standard_auth: true }),
      corsApi("cors-debug", { allowed_origins: [app], debug: true }),
      keylessApi({
        api_id: "cors-off",
        name: "cors-off",
        proxy: { listen_path: "/cors-off/" },
        CORS: { enable: false, allowed_origins: ["*"], exposed_headers: ["X-Trace"] },
      }),
    );
    send = gatewayOf(withCors());
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe("preflight", () => {
    it("answers an allowed preflight itself with 204, echoing the origin, method and headers, with credentials and max age", async () => {
      const response = await send("/cors/items", preflight(app, "PUT", "content-type,x-custom"));
      expect(corsHeadersOf(response)).toEqual({
        "access-control-allow-origin": app,
        "access-control-allow-methods": "PUT",
        "access-control-allow-headers": "content-type,x-custom",
        "access-control-allow-credentials": "true",
        "access-control-max-age": "600",
      });
      expect(response.headers.get("vary")).toBe(preflightVary);
      await expectAnsweredByGateway(response, 204);
    });

    it("answers a disallowed origin's preflight with 204 and no CORS headers, never passing it on", async () => {
      const response = await send("/cors/items", preflight("https://evil.test", "GET"));
      expect(corsHeadersOf(response)).toEqual({});
      expect(response.headers.get("vary")).toBe(preflightVary);
      await expectAnsweredByGateway(response, 204);
    });

    it("allows a subdomain matched by a wildcard origin, and not the bare domain", async () => {
      const allowed = await send("/cors/items", preflight("https://eu.example.org", "POST"));
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://eu.example.org");
      await expectAnsweredByGateway(allowed, 204);
      const bare = await send("/cors/items", preflight("https://example.org", "POST"));
      expect(corsHeadersOf(bare)).toEqual({});
      await expectAnsweredByGateway(bare, 204);
    });

    it("grants nothing for a method or a request header that is not allowed", async () => {
      expect(corsHeadersOf(await send("/cors/items", preflight(app, "DELETE")))).toEqual({});
      expect(corsHeadersOf(await send("/cors/items", preflight(app, "PUT", "authorization")))).toEqual({});
      // rs/cors expects the lower-case, sorted list browsers send.
      expect(corsHeadersOf(await send("/cors/items", preflight(app, "PUT", "x-custom,content-type")))).toEqual({});
    });

    it("applies rs/cors defaults: any origin as *, GET/POST/HEAD, the simple headers, no max age or credentials", async () => {
      const response = await send("/cors-open/x", preflight("https://anyone.test", "POST", "accept,content-type"));
      expect(corsHeadersOf(response)).toEqual({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "accept,content-type",
      });
      await expectAnsweredByGateway(response, 204);
      expect(corsHeadersOf(await send("/cors-open/x", preflight("https://anyone.test", "PUT")))).toEqual({});
      expect(corsHeadersOf(await send("/cors-open/x", preflight("https://anyone.test", "GET", "x-custom")))).toEqual({});
    });

    it("answers the preflight of an auth-token API before authentication", async () => {
      const response = await send("/cors-keyed/x", preflight(app, "GET"));
      expect(response.headers.get("access-control-allow-origin")).toBe(app);
      await expectAnsweredByGateway(response, 204);
    });

    it("answers any other OPTIONS request itself with an empty 200 and the actual-request headers", async () => {
      const response = await send("/cors/items", { method: "OPTIONS", headers: { origin: app } });
      expect(corsHeadersOf(response)).toEqual({
        "access-control-allow-origin": app,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "X-Request-Id, X-Trace",
      });
      expect(response.headers.get("vary")).toBe("Origin");
      await expectAnsweredByGateway(response, 200);
    });
  });

  describe("options_passthrough", () => {
    it("sends the preflight on to the upstream and adds the preflight headers to its answer", async () => {
      const response = await send("/cors-pass/items", preflight(app, "PUT", "content-type"));
      expect(response.status).toBe(200);
      expect((await echoOf(response)).method).toBe("OPTIONS");
      expect(corsHeadersOf(response)).toEqual({
        "access-control-allow-origin": app,
        "access-control-allow-methods": "PUT",
        "access-control-allow-headers": "content-type",
      });
      expect(response.headers.get("vary")).toBe(preflightVary);
    });

    it("passes a disallowed origin's preflight on without CORS headers", async () => {
      const response = await send("/cors-pass/items", preflight("https://evil.test", "PUT"));
      expect((await echoOf(response)).method).toBe("OPTIONS");
      expect(corsHeadersOf(response)).toEqual({});
    });
  });

  describe("actual requests", () => {
    it("adds the origin, credentials, exposed headers and Vary: Origin to the upstream's answer", async () => {
      const response = await send("/cors/items", { method: "POST", headers: { origin: app }, body: "{}" });
      expect((await echoOf(response)).method).toBe("POST");
      expect(corsHeadersOf(response)).toEqual({
        "access-control-allow-origin": app,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "X-Request-Id, X-Trace",
      });
      expect(response.headers.get("vary")).toBe("Origin");
    });

    it("answers * to any origin when every origin is allowed", async () => {
      const response = await send("/cors-open/x", { headers: { origin: "https://anyone.test" } });
      expect(corsHeadersOf(response)).toEqual({ "access-control-allow-origin": "*" });
      await echoOf(response);
    });

    it("proxies but adds only Vary for another origin, no origin, or a method not allowed", async () => {
      for (const init of [{ headers: { origin: "https://evil.test" } }, {}, { method: "DELETE", headers: { origin: app } }]) {
        const response = await send("/cors/items", init);
        expect(response.status).toBe(200);
        await echoOf(response);
        expect(corsHeadersOf(response)).toEqual({});
        expect(response.headers.get("vary")).toBe("Origin");
      }
    });

    it("adds CORS headers to the gateway's own errors, so a browser can read a 401", async () => {
      const response = await send("/cors-keyed/x", { headers: { origin: app } });
      expect(response.status).toBe(401);
      expect(corsHeadersOf(response)).toEqual({ "access-control-allow-origin": app, "access-control-allow-credentials": "true" });
      expect(response.headers.get("vary")).toBe("Origin");
      expect(await tykError(response)).toBe("Authorization field missing");
    });

    it("replaces the upstream's own CORS headers and keeps its Vary after the gateway's", async () => {
      const upstream = defineFeature({
        name: "TestUpstream",
        honours: [],
        compile: () => true,
        step: () => async () =>
          new Response("ok", { headers: { "access-control-allow-origin": "https://upstream.test", "access-control-max-age": "5", vary: "Accept-Encoding" } }),
      });
      const fake = gatewayOf(withCors([...pipeline.filter((feature) => feature !== cors).slice(0, -1), upstream]));
      const response = await fake("/cors/items", { headers: { origin: app } });
      expect(response.headers.get("access-control-allow-origin")).toBe(app);
      // A header the gateway does not set for this request stays as the upstream sent it.
      expect(response.headers.get("access-control-max-age")).toBe("5");
      expect(response.headers.get("vary")).toBe("Origin, Accept-Encoding");
    });

    it("copies an upstream response whose headers are immutable before adding its headers", async () => {
      const upstream = defineFeature({ name: "TestUpstream", honours: [], compile: () => true, step: () => () => fetch(`${upstreamUrl()}/raw`) });
      const fake = gatewayOf(withCors([...pipeline.filter((feature) => feature !== cors).slice(0, -1), upstream]));
      const response = await fake("/cors/items", { headers: { origin: app } });
      expect(response.headers.get("access-control-allow-origin")).toBe(app);
      expect((await echoOf(response)).path).toBe("/raw");
    });
  });

  describe("an API without CORS.enable", () => {
    it("gets no CORS step: preflights reach the upstream and answers carry no CORS headers", async () => {
      const preflightResponse = await send("/cors-off/x", preflight(app, "GET"));
      expect((await echoOf(preflightResponse)).method).toBe("OPTIONS");
      expect(corsHeadersOf(preflightResponse)).toEqual({});
      const response = await send("/cors-off/x", { headers: { origin: app } });
      await echoOf(response);
      expect(corsHeadersOf(response)).toEqual({});
      expect(response.headers.get("vary")).toBeNull();
    });
  });

  describe("debug", () => {
    it("logs each decision at debug level when debug is on, and nothing otherwise", async () => {
      const lines: string[] = [];
      vi.spyOn(console, "debug").mockImplementation((line: string) => void lines.push(line));
      await send("/cors/items", preflight("https://evil.test", "GET"));
      expect(lines).toEqual([]);
      await send("/cors-debug/items", preflight("https://evil.test", "GET"));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        level: "debug",
        api_id: "cors-debug",
        message: "CORS: preflight refused: origin 'https://evil.test' not allowed",
      });
    });
  });
});
