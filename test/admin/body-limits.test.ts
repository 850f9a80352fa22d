import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { adminHeaders, gateway, keylessApi, loadApis, store } from "../support/gateway";

/*
 * The Gateway API reads a body within 1 MiB and 64 levels of nesting, and
 * refuses what cannot be stored as sent, before anything is parsed or stored.
 */

const tooLarge = { status: "error", message: "Request body too large: the Gateway API accepts at most 1048576 bytes" };

/** A definition padded with an unknown field to `bytes` bytes of JSON. */
function definitionOf(bytes: number, apiId = "padded"): string {
  const base = JSON.stringify(keylessApi({ api_id: apiId, proxy: { listen_path: `/${apiId}/` }, x_padding: "" }));
  return base.replace('"x_padding":""', `"x_padding":"${"a".repeat(bytes - base.length)}"`);
}

/** A request body streamed in 64 KiB chunks without a length, counting the chunks the gateway pulled. */
function streamedBody(totalBytes: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new TextEncoder().encode("[".repeat(64 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent * chunk.byteLength >= totalBytes) return controller.close();
      sent += 1;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => sent };
}

describe("Gateway API body limits", () => {
  beforeAll(async () => {
    await loadApis(keylessApi());
  });

  it("accepts a definition of 1 MiB and refuses one byte more with 413, storing nothing", async () => {
    expect(await admin("POST", "/apis", definitionOf(1024 * 1024, "at-limit"))).toMatchObject({ status: 200, body: { key: "at-limit" } });
    expect(await admin("POST", "/apis", definitionOf(1024 * 1024 + 1, "over-limit"))).toEqual({
      status: 413,
      contentType: "application/json",
      body: tooLarge,
    });
    expect(await store().get("apis", "over-limit")).toBeNull();
  });

  it("refuses a 24 MB definition quickly, on every write route", async () => {
    const huge = definitionOf(24 * 1024 * 1024, "huge");
    for (const [method, path] of [
      ["POST", "/apis"],
      ["PUT", "/apis/huge"],
      ["POST", "/keys/create"],
      ["POST", "/keys/custom-key-name"],
      ["PUT", "/keys/custom-key-name"],
      ["POST", "/policies"],
      ["PUT", "/policies/huge"],
    ] as const) {
      const started = performance.now();
      const reply = await admin(method, path, huge);
      expect(reply, `${method} ${path}`).toMatchObject({ status: 413, body: tooLarge });
      expect(performance.now() - started, `${method} ${path}`).toBeLessThan(1000);
    }
    expect(await store().get("apis", "huge")).toBeNull();
  });

  it("stops reading a body streamed without a length once it passes the limit", async () => {
    const { body, pulled } = streamedBody(24 * 1024 * 1024);
    const response = await gateway("/tyk/apis", { method: "POST", headers: adminHeaders, body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(tooLarge);
    // 24 MB is 384 chunks; the gateway reads 17 (1 MiB + 1 chunk), the runtime may buffer a few more.
    expect(pulled()).toBeLessThan(40);
  });

  it("refuses 5,000,000 levels of nesting by size, and 100,000 levels (200 KB) by depth, without parsing", async () => {
    const tenMegabytes = "[".repeat(5_000_000) + "]".repeat(5_000_000);
    expect(await admin("POST", "/apis", tenMegabytes)).toMatchObject({ status: 413, body: tooLarge });

    const deep = JSON.stringify(keylessApi({ api_id: "deep", proxy: { listen_path: "/deep/" } })).replace(
      /}$/,
      `,"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    );
    const started = performance.now();
    const reply = await admin("POST", "/apis", deep);
    expect(reply).toMatchObject({ status: 400, body: { status: "error", message: "Request malformed: JSON nests deeper than 64 levels" } });
    expect(performance.now() - started).toBeLessThan(1000);
    for (const path of ["/keys/create", "/policies"]) {
      expect(await admin("POST", path, "[".repeat(65) + "]".repeat(65)), path).toMatchObject({ status: 400 });
    }
  });

  it("accepts 64 levels of nesting and refuses 65", async () => {
    const nested = (levels: number) => JSON.parse(`${"[".repeat(levels - 1)}${"]".repeat(levels - 1)}`) as unknown;
    const at = (levels: number) => keylessApi({ api_id: `nest-${levels}`, proxy: { listen_path: `/nest-${levels}/` }, x_nested: nested(levels) });
    // The definition itself is the first level.
    expect(await admin("POST", "/apis", at(64))).toMatchObject({ status: 200 });
    expect(await admin("POST", "/apis", at(65))).toMatchObject({ status: 400, body: { message: "Request malformed: JSON nests deeper than 64 levels" } });
  });

  it("names a string with a lone surrogate, which has no UTF-8 form, wherever it is", async () => {
    const withSurrogate = (text: string) => text.replace('"SURROGATE"', '"\\ud800"');
    const api = withSurrogate(JSON.stringify(keylessApi({ api_id: "SURROGATE" })));
    expect(await admin("POST", "/apis", api)).toMatchObject({
      status: 400,
      body: { status: "error", message: "Request malformed: api_id: must be valid Unicode text (it has a lone surrogate)" },
    });
    const key = withSurrogate(JSON.stringify({ org_id: "default", meta_data: { team: ["x", "SURROGATE"] }, access_rights: {} }));
    expect(await admin("POST", "/keys/create", key)).toMatchObject({
      status: 400,
      body: { message: "Unmarshalling failed: meta_data.team.1: must be valid Unicode text (it has a lone surrogate)" },
    });
    const policy = withSurrogate(JSON.stringify({ id: "SURROGATE" }));
    expect(await admin("POST", "/policies", policy)).toMatchObject({
      status: 400,
      body: { message: "Request malformed: id: must be valid Unicode text (it has a lone surrogate)" },
    });
  });

  it("names a number too large for a double instead of storing it as null", async () => {
    const body = JSON.stringify(keylessApi({ api_id: "huge-number", proxy: { listen_path: "/huge-number/" }, x_limit: 1 })).replace(
      '"x_limit":1',
      '"x_limit":1e400',
    );
    expect(await admin("POST", "/apis", body)).toMatchObject({ status: 400, body: { message: "Request malformed: x_limit: number out of range" } });
    expect(await store().get("apis", "huge-number")).toBeNull();
  });

  it("reads bytes that are not UTF-8 as U+FFFD, as Go's decoder does", async () => {
    const text = new TextEncoder().encode(JSON.stringify(keylessApi({ api_id: "latin1", proxy: { listen_path: "/latin1/" }, name: "caf@" })));
    const body = text.map((byte) => (byte === 0x40 ? 0xe9 : byte));
    const response = await gateway("/tyk/apis", { method: "POST", headers: adminHeaders, body });
    expect(response.status).toBe(200);
    expect(await store().get("apis", "latin1")).toMatchObject({ name: "caf\ufffd" });
  });
});
