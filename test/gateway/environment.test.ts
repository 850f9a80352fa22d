import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

/** The same app the Worker exports, run against an environment other than the test default. */
function requestWith(bindings: Record<string, unknown>, path: string, init?: RequestInit) {
  return createApp().request(`http://gateway.test${path}`, init, { GATEWAY_KV: env.GATEWAY_KV, ...bindings });
}

describe("environment", () => {
  it("answers 500 naming the bad variable when the configuration is invalid", async () => {
    const response = await requestWith({ TYK_GW_HASHKEYS: "maybe" }, "/anything");
    expect(response.status).toBe(500);
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain("TYK_GW_HASHKEYS");
  });

  it("refuses the Gateway API when no secret is configured", async () => {
    const response = await requestWith({}, "/tyk/reload", { headers: { "x-tyk-authorization": "" } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ status: "error", message: "The Gateway API is disabled: set TYK_GW_SECRET to enable it" });
  });

  it("serves the health check under TYK_GW_HEALTHCHECKENDPOINTNAME", async () => {
    expect((await requestWith({ TYK_GW_HEALTHCHECKENDPOINTNAME: "status" }, "/status")).status).toBe(200);
    expect((await requestWith({ TYK_GW_HEALTHCHECKENDPOINTNAME: "status" }, "/hello")).status).toBe(404);
  });

  it("hides X-Generator when TYK_GW_HIDEGENERATORHEADER is on", async () => {
    const response = await requestWith({ TYK_GW_HIDEGENERATORHEADER: "true" }, "/tyk/reload");
    expect(response.status).toBe(403);
    const gatewayError = await requestWith({ TYK_GW_HIDEGENERATORHEADER: "true", TYK_GW_SECRET: "s" }, "/nothing-here");
    expect(gatewayError.headers.get("x-generator")).toBeNull();
  });

  it("stores keys unhashed when TYK_GW_HASHKEYS is off", async () => {
    const { KeyStore } = await import("../../src/session/key-store");
    const { KvStore } = await import("../../src/store/kv");
    const keys = new KeyStore(new KvStore(env.GATEWAY_KV), { hashKeys: false, hashKeyFunction: "sha256", sessionCacheMs: 1000 });
    expect(await keys.storageId("plain-key")).toBe("plain-key");
  });

  it("hashes a presented key once per isolate, then answers from memory", async () => {
    const { KeyStore } = await import("../../src/session/key-store");
    const { KvStore } = await import("../../src/store/kv");
    const { hashKey } = await import("../../src/session/keys");
    const keys = new KeyStore(new KvStore(env.GATEWAY_KV), { hashKeys: true, hashKeyFunction: "sha256", sessionCacheMs: 1000 });
    const first = keys.storageId("some-key");
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(await hashKey("some-key", "sha256"));
    expect(keys.storageId("some-key")).toBe(await first);
  });

  it("does not remember the digests of keys longer than any real key, so made-up long keys cannot fill memory", async () => {
    const { KeyStore } = await import("../../src/session/key-store");
    const { KvStore } = await import("../../src/store/kv");
    const { hashKey } = await import("../../src/session/keys");
    const keys = new KeyStore(new KvStore(env.GATEWAY_KV), { hashKeys: true, hashKeyFunction: "sha256", sessionCacheMs: 1000 });
    const long = "k".repeat(257);
    expect(await keys.storageId(long)).toBe(await hashKey(long, "sha256"));
    const again = keys.storageId(long);
    expect(again).toBeInstanceOf(Promise);
    expect(await again).toBe(await hashKey(long, "sha256"));
  });
});
