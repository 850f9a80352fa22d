import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { echoOf, gateway, keylessApi, loadApis } from "../support/gateway";

/*
 * W3C trace context through the gateway: the upstream sees the client's trace
 * with the gateway's span as parent, a new trace when the client sent none or a
 * malformed one, and the request's log lines carry the trace id.
 */

const traceparent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const clientParent = "00f067aa0ba902b7";

function parts(header: string | undefined): { traceId: string; parentId: string; flags: string } {
  const match = traceparent.exec(header ?? "");
  if (!match) throw new Error(`not a version 00 traceparent: ${header}`);
  return { traceId: match[1]!, parentId: match[2]!, flags: match[3]! };
}

describe("trace context", () => {
  beforeAll(() =>
    loadApis(
      keylessApi(),
      keylessApi({ api_id: "allow-listed", proxy: { listen_path: "/allow-listed/" }, enable_ip_whitelisting: true, allowed_ips: ["10.0.0.1"] }),
    ),
  );
  afterEach(() => vi.restoreAllMocks());

  it("keeps the client's trace and flags, with the gateway's span as the upstream's parent, and passes tracestate on", async () => {
    const echo = await echoOf(
      await gateway("/keyless/get", { headers: { traceparent: `00-${clientTrace}-${clientParent}-00`, tracestate: "vendor=abc,other=1" } }),
    );
    const sent = parts(echo.headers.traceparent);
    expect(sent.traceId).toBe(clientTrace);
    expect(sent.parentId).not.toBe(clientParent);
    expect(sent.flags).toBe("00");
    expect(echo.headers.tracestate).toBe("vendor=abc,other=1");
  });

  it("gives every request its own gateway span", async () => {
    const headers = { traceparent: `00-${clientTrace}-${clientParent}-01` };
    const first = parts((await echoOf(await gateway("/keyless/get", { headers }))).headers.traceparent);
    const second = parts((await echoOf(await gateway("/keyless/get", { headers }))).headers.traceparent);
    expect(first.traceId).toBe(second.traceId);
    expect(first.parentId).not.toBe(second.parentId);
  });

  it("starts a sampled trace when the client sent none", async () => {
    const echo = await echoOf(await gateway("/keyless/get"));
    const sent = parts(echo.headers.traceparent);
    expect(sent.traceId).not.toMatch(/^0+$/);
    expect(sent.flags).toBe("01");
    expect(echo.headers.tracestate).toBeUndefined();
  });

  it.each([
    ["upper-case hex", `00-${clientTrace.toUpperCase()}-${clientParent}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${clientParent}-01`],
    ["an all-zero parent id", `00-${clientTrace}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${clientTrace}-${clientParent}-01`],
    ["a fifth field on version 00", `00-${clientTrace}-${clientParent}-01-extra`],
    ["a short trace id", `00-${clientTrace.slice(2)}-${clientParent}-01`],
  ])("replaces a malformed traceparent (%s) with a new trace and drops its tracestate", async (_case, header) => {
    const echo = await echoOf(await gateway("/keyless/get", { headers: { traceparent: header, tracestate: "vendor=abc" } }));
    const sent = parts(echo.headers.traceparent);
    expect(sent.traceId).not.toBe(clientTrace);
    expect(sent.traceId).not.toBe(clientTrace.toUpperCase());
    expect(echo.headers.tracestate).toBeUndefined();
  });

  it("accepts a later version's traceparent and sends version 00 on", async () => {
    const echo = await echoOf(await gateway("/keyless/get", { headers: { traceparent: `01-${clientTrace}-${clientParent}-01-later-fields` } }));
    expect(parts(echo.headers.traceparent).traceId).toBe(clientTrace);
  });

  it("writes the trace id into the request's log lines", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    // Without a client IP header the allow list cannot read the caller's address: it refuses and logs a warning.
    const response = await createApp().request(
      "http://gateway.test/allow-listed/get",
      { headers: { traceparent: `00-${clientTrace}-${clientParent}-01` } },
      { GATEWAY_KV: env.GATEWAY_KV, PORTCULLIS_CLIENT_IP_HEADER: "" },
    );
    expect(response.status).toBe(403);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.api_id === "allow-listed");
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line.trace_id).toBe(clientTrace);
  });
});
