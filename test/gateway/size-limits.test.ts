import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { sizeLimits } from "../../src/features/size-limits";
import { versionCheck } from "../../src/features/version-check";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { echoOf, keylessApi, loadApis, tykError } from "../support/gateway";

type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** The gateway with the size limit step where Tyk runs it: pre-auth, after the version check and IP lists. */
function sizeLimitedGateway(): Send {
  const chain = pipeline.includes(sizeLimits)
    ? pipeline
    : [...pipeline.slice(0, pipeline.indexOf(versionCheck) + 1), sizeLimits, ...pipeline.slice(pipeline.indexOf(versionCheck) + 1)];
  const bindings = { ...env };
  const gateway = createGateway(bindings, chain);
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

const api = (apiId: string, version: Record<string, unknown>) =>
  keylessApi({
    api_id: apiId,
    proxy: { listen_path: `/${apiId}/` },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", ...version } } },
  });

/** A body of `chunks` KiB produced only as the reader pulls, counting what was pulled. */
function lazyBody(chunks: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(1024).fill(97));
    },
  });
  return { body, pulled: () => pulled };
}

/** A request whose string body states its length, as an HTTP client would. */
const post = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}, method = "POST"): RequestInit => {
  const length: Record<string, string> = typeof body === "string" ? { "content-length": String(new TextEncoder().encode(body).byteLength) } : {};
  return { method, body, headers: { ...length, ...headers } };
};

describe("request size limits (Tyk's RequestSizeLimitMiddleware)", () => {
  let send: Send;

  beforeAll(async () => {
    await loadApis(
      api("limits", {
        global_size_limit: 16,
        extended_paths: {
          size_limits: [
            { path: "/small", method: "POST", size_limit: 4 },
            { path: "/big", method: "POST", size_limit: 64 },
            { path: "/off", method: "POST", size_limit: 1, disabled: true },
            { path: "/anymethod", size_limit: 1 },
          ],
        },
      }),
      api("endpoint", { extended_paths: { size_limits: [{ path: "/upload", method: "PUT", size_limit: 8 }] } }),
      api("disabled", { global_size_limit: 4, global_size_limit_disabled: true }),
      api("unextended", { use_extended_paths: false, global_size_limit: 8, extended_paths: { size_limits: [{ path: "/x", method: "POST", size_limit: 1 }] } }),
    );
    send = sizeLimitedGateway();
  });

  it("lets a declared length under or equal to the global limit through, byte for byte", async () => {
    const under = await echoOf(await send("/limits/any", post("0123456789abcde")));
    expect(under.body).toBe("0123456789abcde");
    const equal = await echoOf(await send("/limits/any", post("0123456789abcdef")));
    expect(equal.body).toBe("0123456789abcdef");
    expect(equal.headers["content-length"]).toBe("16");
  });

  it("refuses a declared length over the global limit with 400 Request is too large", async () => {
    const response = await send("/limits/any", post("0123456789abcdefg"));
    expect(response.status).toBe(400);
    expect(await tykError(response)).toBe("Request is too large");
  });

  it("applies a smaller endpoint limit on top of the global one", async () => {
    expect((await echoOf(await send("/limits/small", post("abcd")))).body).toBe("abcd");
    const over = await send("/limits/small", post("abcde"));
    expect(over.status).toBe(400);
    expect(await tykError(over)).toBe("Request is too large");
  });

  it("never lifts the global limit with a larger endpoint limit (Tyk checks the global one first)", async () => {
    expect((await echoOf(await send("/limits/big", post("x".repeat(16))))).body).toHaveLength(16);
    expect((await send("/limits/big", post("x".repeat(17)))).status).toBe(400);
  });

  it("ignores disabled entries, entries for another method and entries without a method", async () => {
    expect((await echoOf(await send("/limits/off", post("0123456789")))).body).toBe("0123456789");
    expect((await echoOf(await send("/limits/small", post("0123456789", {}, "PUT")))).body).toBe("0123456789");
    expect((await echoOf(await send("/limits/anymethod", post("0123456789")))).body).toBe("0123456789");
  });

  it("limits a version's endpoints without a global limit, and nothing else", async () => {
    expect((await send("/endpoint/upload", post("123456789", {}, "PUT"))).status).toBe(400);
    expect((await echoOf(await send("/endpoint/upload", post("12345678", {}, "PUT")))).body).toBe("12345678");
    expect((await echoOf(await send("/endpoint/upload", post("123456789")))).body).toBe("123456789");
    // No limit applies, so no length is required either.
    const streamed = lazyBody(2);
    expect((await echoOf(await send("/endpoint/other", { ...post(streamed.body), duplex: "half" } as RequestInit))).body).toHaveLength(2048);
  });

  it("honours global_size_limit_disabled", async () => {
    expect((await echoOf(await send("/disabled/any", post("0123456789")))).body).toBe("0123456789");
  });

  it("reads the global limit whatever use_extended_paths says, the endpoint list only with it", async () => {
    expect((await echoOf(await send("/unextended/x", post("12345678")))).body).toBe("12345678");
    expect((await send("/unextended/x", post("123456789"))).status).toBe(400);
  });

  it("does not check methods that carry no body (GET, DELETE, OPTIONS, HEAD)", async () => {
    for (const method of ["GET", "DELETE", "OPTIONS"]) {
      const echo = await echoOf(await send("/limits/small", { method }));
      expect(echo.method).toBe(method);
    }
    expect((await send("/limits/small", { method: "HEAD" })).status).toBe(200);
  });

  it("answers 411 to a body without Content-Length (chunked), before reading it", async () => {
    const streamed = lazyBody(64);
    const response = await send("/limits/any", { ...post(streamed.body), duplex: "half" } as RequestInit);
    expect(response.status).toBe(411);
    expect(await tykError(response)).toBe("Content length is required for this request");
    expect(streamed.pulled()).toBeLessThan(64);
  });

  it("cuts off a streamed body longer than its declared length with 400, and the upstream never gets it whole", async () => {
    const streamed = lazyBody(64);
    const response = await send("/limits/any", { ...post(streamed.body, { "content-length": "8" }), duplex: "half" } as RequestInit);
    expect(response.status).toBe(400);
    expect(await tykError(response)).toBe("Request is too large");
    // The body was never even produced past the first few KiB.
    expect(streamed.pulled()).toBeLessThan(8);
  });

  it("has no step for an API without limits", () => {
    const build = sizeLimits.build(api("none", {}), {} as never, {} as never);
    expect(build).toEqual({ ok: true, step: undefined, warnings: [] });
  });
});
