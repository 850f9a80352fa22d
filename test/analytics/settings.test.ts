import { beforeAll, describe, expect, it } from "vitest";
import { keylessApi, loadApis } from "../support/gateway";
import { byAgent, gatewayWith, recordOf, recordsMatching, uniqueAgent } from "./support/records";

const decode = (base64: string) => new TextDecoder().decode(Uint8Array.from(atob(base64), (char) => char.charCodeAt(0)));

describe("analytics settings", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({ api_id: "as-open", proxy: { listen_path: "/as-open/" } }),
      keylessApi({
        api_id: "as-keyed",
        use_keyless: false,
        use_standard_auth: true,
        auth: { auth_header_name: "X-Api-Key" },
        proxy: { listen_path: "/as-keyed/" },
      }),
    );
  });

  it("skips clients listed in TYK_GW_ANALYTICSCONFIG_IGNOREDIPS", async () => {
    const request = await gatewayWith({ TYK_GW_ANALYTICSCONFIG_IGNOREDIPS: "203.0.113.7, 2001:db8::1" });
    const ignored = uniqueAgent("ignored-ip");
    const ignoredV6 = uniqueAgent("ignored-ipv6");
    const counted = uniqueAgent("counted-ip");
    expect((await request("/as-open/x", { headers: { "user-agent": ignored, "cf-connecting-ip": "203.0.113.7" } })).status).toBe(200);
    expect((await request("/as-open/x", { headers: { "user-agent": ignoredV6, "cf-connecting-ip": "2001:db8::1" } })).status).toBe(200);
    expect((await request("/as-open/x", { headers: { "user-agent": counted, "cf-connecting-ip": "203.0.113.8" } })).status).toBe(200);
    expect((await recordOf(counted)).ip_address).toBe("203.0.113.8");
    expect(await recordsMatching(byAgent(ignored), 1, 300)).toEqual([]);
    expect(await recordsMatching(byAgent(ignoredV6), 1, 300)).toEqual([]);
  });

  it("records nothing when TYK_GW_ENABLEANALYTICS is false", async () => {
    const request = await gatewayWith({ TYK_GW_ENABLEANALYTICS: "false" });
    const agent = uniqueAgent("disabled");
    expect((await request("/as-open/x", { headers: { "user-agent": agent } })).status).toBe(200);
    expect(await recordsMatching(byAgent(agent), 1, 300)).toEqual([]);
  });

  it("rejects a bad analytics setting with an error naming it", async () => {
    const request = await gatewayWith({ TYK_GW_ANALYTICSCONFIG_IGNOREDIPS: "not-an-ip" });
    const response = await request("/as-open/x");
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("TYK_GW_ANALYTICSCONFIG_IGNOREDIPS");
  });

  it("normalises recorded paths when normalise_urls is on", async () => {
    const request = await gatewayWith({
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEUUIDS: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM: "ord_[a-z0-9]+",
    });
    const agent = uniqueAgent("normalised");
    await request("/as-open/users/1234/carts/3f2b8c1e-9d4a-4b7e-8f00-123456789abc/ord_x9z/v2", { headers: { "user-agent": agent } });
    const record = await recordOf(agent);
    expect(record.path).toBe("/users/{num}/carts/{uuid}/{var}/v2");
    expect(record.raw_path).toBe("/users/1234/carts/3f2b8c1e-9d4a-4b7e-8f00-123456789abc/ord_x9z/v2");
  });

  it("keeps paths as they are when normalise_urls is off", async () => {
    const request = await gatewayWith({ TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS: "true" });
    const agent = uniqueAgent("not-normalised");
    await request("/as-open/users/1234", { headers: { "user-agent": agent } });
    expect((await recordOf(agent)).path).toBe("/users/1234");
  });

  describe("detailed recording", () => {
    it("records the wire form of request and response, credentials redacted", async () => {
      const request = await gatewayWith({ TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING: "true", PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES: "40000" });
      const agent = uniqueAgent("detailed");
      const response = await request("/as-keyed/echo?q=1", {
        method: "POST",
        headers: { "user-agent": agent, "x-api-key": "secret-key-value", cookie: "session=abc", "content-type": "text/plain" },
        body: "ping-body",
      });
      expect(response.status).toBe(403);
      const record = await recordOf(agent);
      const rawRequest = decode(record.raw_request);
      expect(rawRequest).toMatch(/^POST \/as-keyed\/echo\?q=1 HTTP\/1\.1\r\n/);
      expect(rawRequest).toContain("x-api-key: [redacted]\r\n");
      expect(rawRequest).toContain("cookie: [redacted]\r\n");
      expect(rawRequest).not.toContain("secret-key-value");
      expect(rawRequest.endsWith("\r\n\r\nping-body")).toBe(true);
      const rawResponse = decode(record.raw_response);
      expect(rawResponse).toMatch(/^HTTP\/1\.1 403 /);
      expect(rawResponse.endsWith('\r\n\r\n{\n    "error": "Access to this API has been disallowed"\n}')).toBe(true);
    });

    it("caps each raw message and still streams full bodies both ways", async () => {
      const request = await gatewayWith({ TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING: "true", PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES: "1000" });
      const agent = uniqueAgent("capped");
      const upload = "u".repeat(50_000);
      const echoed = await request("/as-open/echo", { method: "POST", headers: { "user-agent": agent }, body: upload });
      const echo = (await echoed.json()) as { body: string; headers: Record<string, string> };
      expect(echo.body).toBe(upload);
      expect(echo.headers["content-length"]).toBe("50000");
      const big = uniqueAgent("capped-download");
      const download = await request("/as-open/bytes/200000", { headers: { "user-agent": big } });
      expect((await download.arrayBuffer()).byteLength).toBe(200_000);

      const uploadRecord = await recordOf(agent);
      expect(decode(uploadRecord.raw_request)).toHaveLength(1000);
      expect(decode(uploadRecord.raw_request)).toMatch(/u{100}$/);
      const downloadRecord = await recordOf(big);
      expect(decode(downloadRecord.raw_response)).toHaveLength(1000);
      expect(decode(downloadRecord.raw_response)).toMatch(/^HTTP\/1\.1 200 [^\r]*\r\n[\s\S]*\r\n\r\na+$/);
    });

    it("records no raw data when detailed recording is off", async () => {
      const request = await gatewayWith({});
      const agent = uniqueAgent("not-detailed");
      await request("/as-open/x", { method: "POST", headers: { "user-agent": agent }, body: "data" });
      const record = await recordOf(agent);
      expect([record.raw_request, record.raw_response]).toEqual(["", ""]);
    });
  });
});
