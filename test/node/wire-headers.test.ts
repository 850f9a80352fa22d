import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EchoedRequest } from "../support/upstream";
import { startEchoUpstream } from "../support/upstream";
import { putApis, rawRequest, startGateways, type WorkerdGateways } from "../support/workerd-gateway";

/*
 * What a client puts on the wire, sent byte for byte to the gateway in workerd:
 * headers named in `Connection`, header bytes beyond ASCII, and a forged
 * CF-Connecting-IP, with the loopback echo upstream showing what got through.
 * `plain` runs with the default settings; `edge` believes CF-Connecting-IP,
 * as wrangler.toml configures deployments behind Cloudflare's edge.
 */

const forged = "203.0.113.9";
const ipDisallowed = "access from this IP has been disallowed";

describe("the gateway on the wire (workerd)", () => {
  let gateways: WorkerdGateways;
  let upstream: { server: Server; url: string };
  const logs: string[] = [];

  const request = (origin: string, path: string, lines: string[], extra?: Buffer) =>
    rawRequest(origin, `GET ${path} HTTP/1.1\r\nHost: ${new URL(origin).host}\r\n${lines.map((line) => `${line}\r\n`).join("")}\r\n`, extra);
  const echoed = (body: string) => JSON.parse(body) as EchoedRequest;
  const errorOf = (body: string) => (JSON.parse(body) as { error: string }).error;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gateways = await startGateways({ plain: {}, edge: { PORTCULLIS_CLIENT_IP_HEADER: "cf-connecting-ip" } }, logs);
    const api = (id: string, extra: Record<string, unknown> = {}) => ({
      api_id: id,
      name: id,
      org_id: "default",
      use_keyless: true,
      version_data: { not_versioned: true, versions: { Default: { name: "Default", global_headers: { "X-Tenant": "acme" } } } },
      proxy: { listen_path: `/${id}/`, target_url: upstream.url, strip_listen_path: true },
      ...extra,
    });
    await putApis(gateways, [
      api("wire"),
      api("wire-ip", { enable_ip_whitelisting: true, allowed_ips: [forged] }),
      api("wire-key", { use_keyless: false, use_standard_auth: true }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await gateways?.miniflare.dispose();
    await new Promise<void>((resolve) => upstream?.server.close(() => resolve()));
  });

  it("removes the headers the client's Connection names, and every hop-by-hop header", async () => {
    const answer = await request(gateways.direct.plain!, "/wire/h", [
      "Connection: close, X-Secret, x-other",
      "X-Secret: s",
      "X-Other: o",
      "X-Kept: k",
      "Keep-Alive: timeout=5",
      "TE: trailers",
      "Proxy-Connection: keep-alive",
      "Proxy-Authorization: Basic cHJveHk6cHc=",
    ]);
    expect(answer.status, logs.join("\n")).toBe(200);
    const { headers } = echoed(answer.body);
    expect(headers["x-kept"]).toBe("k");
    for (const name of ["x-secret", "x-other", "keep-alive", "te", "proxy-connection", "proxy-authorization"]) expect(headers[name]).toBeUndefined();
  });

  it("keeps a header the gateway sets even when the client names it in Connection", async () => {
    for (const lines of [["Connection: close, X-Tenant", "X-Tenant: forged"], ["Connection: close, X-Tenant"]]) {
      const answer = await request(gateways.direct.plain!, "/wire/h", lines);
      expect(echoed(answer.body).headers["x-tenant"]).toBe("acme");
    }
  });

  it("ignores Connection entries that cannot name a header instead of failing", async () => {
    const answer = await request(gateways.direct.plain!, "/wire/h", ['Connection: close, , x y, "q", x@y, X-Secret', "X-Secret: s"]);
    expect(answer.status, logs.join("\n")).toBe(200);
    expect(echoed(answer.body).headers["x-secret"]).toBeUndefined();
  });

  it("refuses an Authorization of raw Latin-1 or UTF-8 bytes as an unknown key", async () => {
    for (const bytes of [Buffer.from([0xe9, 0x41]), Buffer.from("ключ 😀", "utf8"), Buffer.from([0xff, 0xfe, 0x80])]) {
      const head = `GET /wire-key/x HTTP/1.1\r\nHost: ${new URL(gateways.direct.plain!).host}\r\nConnection: close\r\nAuthorization: `;
      const answer = await rawRequest(gateways.direct.plain!, head, Buffer.concat([bytes, Buffer.from("\r\n\r\n")]));
      expect(answer.status, logs.join("\n")).toBe(403);
      expect(errorOf(answer.body)).toBe("Access to this API has been disallowed");
    }
  });

  it("does not believe a client's CF-Connecting-IP by default: on a bare workerd socket or behind the local simulator", async () => {
    // Miniflare's entry (wrangler dev's path) gives the Worker a simulated request.cf and passes the client's header on.
    for (const origin of [gateways.direct.plain!, gateways.entry]) {
      const refused = await request(origin, "/wire-ip/x", ["Connection: close", `CF-Connecting-IP: ${forged}`]);
      expect(refused.status).toBe(403);
      expect(errorOf(refused.body)).toBe(ipDisallowed);
    }
    const passed = await request(gateways.direct.plain!, "/wire/x", ["Connection: close", `CF-Connecting-IP: ${forged}`, "X-Forwarded-For: 198.51.100.1"]);
    expect(echoed(passed.body).headers["x-forwarded-for"]).toBe("198.51.100.1");
  });

  it("believes CF-Connecting-IP where the setting says the edge sets it", async () => {
    const allowed = await request(gateways.direct.edge!, "/wire-ip/x", ["Connection: close", `CF-Connecting-IP: ${forged}`]);
    expect(allowed.status).toBe(200);
    expect(echoed(allowed.body).headers["x-forwarded-for"]).toBe(forged);
  });
});
