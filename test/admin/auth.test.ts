import { describe, expect, it } from "vitest";
import { admin, adminWith } from "../support/admin";
import { testSecret } from "../support/constants";

const denied = { status: "error", message: "Attempted administrative access with invalid or missing key!" };

describe("Gateway API guard", () => {
  it("refuses a request without X-Tyk-Authorization", async () => {
    const reply = await admin("GET", "/apis", undefined, {});
    expect(reply.status).toBe(403);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body).toEqual(denied);
  });

  it("refuses a wrong secret", async () => {
    const reply = await admin("GET", "/apis", undefined, { "x-tyk-authorization": `${testSecret}x` });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(denied);
  });

  it("guards unknown paths too", async () => {
    expect((await admin("GET", "/no/such/thing", undefined, {})).status).toBe(403);
  });

  it("lets the right secret through", async () => {
    const reply = await admin("GET", "/apis");
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
  });

  it("stays closed when no secret is configured, whatever the caller sends", async () => {
    const unconfigured = adminWith({ TYK_GW_SECRET: "" });
    for (const headers of [{}, { "x-tyk-authorization": "" }, { "x-tyk-authorization": testSecret }] as Record<string, string>[]) {
      const reply = await unconfigured("GET", "/apis", undefined, headers);
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ status: "error", message: "The Gateway API is disabled: set TYK_GW_SECRET to enable it" });
    }
  });
});

describe("Gateway API routing", () => {
  it("answers unknown /tyk/ paths with a JSON 404 instead of proxying them", async () => {
    const reply = await admin("GET", "/no/such/thing");
    expect(reply.status).toBe(404);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ status: "error", message: "Not found" });
  });

  it("answers an unsupported method on a known route with 405", async () => {
    for (const [method, path] of [
      ["POST", "/reload"],
      ["DELETE", "/reload/group"],
      ["PATCH", "/apis"],
      ["PATCH", "/apis/some-id"],
      ["PATCH", "/keys"],
      ["PATCH", "/keys/some-key"],
      ["PATCH", "/policies"],
      ["PATCH", "/policies/some-id"],
    ] as const) {
      const reply = await admin(method, path, "{}");
      expect(reply.status, `${method} ${path}`).toBe(405);
      expect(reply.body).toEqual({ status: "error", message: "Method not supported" });
    }
  });

  it("answers a store failure with a JSON 500", async () => {
    const unreachable = adminWith({ TYK_GW_STORAGE_TYPE: "upstash", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "token" });
    const reply = await unreachable("GET", "/apis");
    expect(reply.status).toBe(500);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ status: "error", message: "The Gateway API could not complete the request; see the gateway logs" });
  });

  it("still reloads on GET", async () => {
    const reply = await admin("GET", "/reload");
    expect(reply).toMatchObject({ status: 200, body: { status: "ok", message: "" } });
  });
});
