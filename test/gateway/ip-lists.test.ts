import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { defineFeature, type Feature } from "../../src/chain/feature";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { authentication } from "../../src/features/auth";
import { ipAllowList, ipBlockList } from "../../src/features/ip-lists";
import { createGateway } from "../../src/gateway";
import { messages } from "../../src/lib/tyk-error";
import { pipeline } from "../../src/pipeline";
import { echoOf, keylessApi, loadApis, tykError } from "../support/gateway";

/*
 * IPWhiteListMiddleware and IPBlackListMiddleware through a gateway whose
 * pipeline has them where Tyk runs them: after the version check (and CORS),
 * before authentication. The caller's address is set with CF-Connecting-IP.
 */

/** The pipeline with both lists just before authentication; valid before and after they join src/pipeline.ts. */
function withIpLists(upstream?: Feature): Feature[] {
  const others = pipeline.filter((feature) => feature !== ipAllowList && feature !== ipBlockList);
  const at = others.indexOf(authentication);
  const features = [...others.slice(0, at), ipAllowList, ipBlockList, ...others.slice(at)];
  return upstream ? [...features.slice(0, -1), upstream] : features;
}

type Send = (path: string, clientIp?: string, headers?: Record<string, string>) => Promise<Response>;

function gatewayWith(features: Feature[]): Send {
  const bindings = { ...env };
  const gateway = createGateway(bindings, features);
  const app = createApp(() => gateway);
  return async (path, clientIp, headers = {}) => {
    const init = { headers: clientIp === undefined ? headers : { "cf-connecting-ip": clientIp, ...headers } };
    return app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
  };
}

const api = (id: string, fields: Record<string, unknown>) => keylessApi({ api_id: id, name: id, proxy: { listen_path: `/${id}/` }, ...fields });

const apis = [
  api("allow-v4", { enable_ip_whitelisting: true, allowed_ips: ["198.51.100.7", "203.0.113.0/24"] }),
  api("allow-v6", { enable_ip_whitelisting: true, allowed_ips: ["2001:db8:abcd::/48", "2001:db8::1"] }),
  api("allow-mapped", { enable_ip_whitelisting: true, allowed_ips: ["::ffff:192.0.2.0/120"] }),
  api("block", { enable_ip_blacklisting: true, blacklisted_ips: ["198.51.100.7", "2001:db8::/32"] }),
  api("both", { enable_ip_whitelisting: true, allowed_ips: ["203.0.113.0/24"], enable_ip_blacklisting: true, blacklisted_ips: ["203.0.113.66"] }),
  // Tyk enforces a non-empty list unless ip_access_control_disabled is true and the list's flag is false.
  api("allow-flag-off", { enable_ip_whitelisting: false, allowed_ips: ["198.51.100.7"] }),
  api("allow-disabled", { enable_ip_whitelisting: false, allowed_ips: ["198.51.100.7"], ip_access_control_disabled: true }),
  api("allow-disabled-flag-on", { enable_ip_whitelisting: true, allowed_ips: ["198.51.100.7"], ip_access_control_disabled: true }),
  api("block-flag-off", { enable_ip_blacklisting: false, blacklisted_ips: ["198.51.100.7"] }),
  api("block-disabled", { enable_ip_blacklisting: false, blacklisted_ips: ["198.51.100.7"], ip_access_control_disabled: true }),
  api("allow-empty", { enable_ip_whitelisting: true, allowed_ips: [] }),
];

async function expectPassed(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  expect((await echoOf(response)).method).toBe("GET");
}

/** Tyk's 403, answered by the gateway: the echo upstream never saw the request. */
async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get("x-upstream")).toBeNull();
  expect(await tykError(response)).toBe(messages.ipDisallowed);
}

describe("IP allow and block lists", () => {
  let send: Send;

  beforeAll(async () => {
    await loadApis(...apis);
    send = gatewayWith(withIpLists());
  });

  it("lets a listed IPv4 address and one inside a listed CIDR through", async () => {
    await expectPassed(await send("/allow-v4/x", "198.51.100.7"));
    await expectPassed(await send("/allow-v4/x", "203.0.113.200"));
  });

  it("refuses an IPv4 address outside the listed addresses and CIDR", async () => {
    await expectRefused(await send("/allow-v4/x", "198.51.100.8"));
    await expectRefused(await send("/allow-v4/x", "203.0.114.1"));
  });

  it("matches IPv6 clients against IPv6 entries, in any spelling", async () => {
    await expectPassed(await send("/allow-v6/x", "2001:db8:abcd:12::5"));
    await expectPassed(await send("/allow-v6/x", "2001:0DB8:0000:0000:0000:0000:0000:0001"));
    await expectRefused(await send("/allow-v6/x", "2001:db8:abce::5"));
    await expectRefused(await send("/allow-v6/x", "2001:db8::2"));
    await expectRefused(await send("/allow-v6/x", "198.51.100.7"));
  });

  it("treats an IPv4-mapped IPv6 address as its IPv4 address, on either side", async () => {
    await expectPassed(await send("/allow-v4/x", "::ffff:203.0.113.5"));
    await expectRefused(await send("/allow-v4/x", "::ffff:203.0.114.5"));
    await expectPassed(await send("/allow-mapped/x", "192.0.2.9"));
    await expectPassed(await send("/allow-mapped/x", "::ffff:c000:209"));
    await expectRefused(await send("/allow-mapped/x", "192.0.3.9"));
  });

  it("refuses a blocked address or range and lets others through", async () => {
    await expectRefused(await send("/block/x", "198.51.100.7"));
    await expectRefused(await send("/block/x", "::ffff:198.51.100.7"));
    await expectRefused(await send("/block/x", "2001:db8:1::9"));
    await expectPassed(await send("/block/x", "198.51.100.8"));
    await expectPassed(await send("/block/x", "2001:db9::9"));
  });

  it("applies both lists: allowed by the allow list, then refused by the block list", async () => {
    await expectPassed(await send("/both/x", "203.0.113.5"));
    await expectRefused(await send("/both/x", "203.0.113.66"));
    await expectRefused(await send("/both/x", "198.51.100.7"));
  });

  it("enforces a non-empty list whose enable flag is false while ip_access_control_disabled is not true", async () => {
    await expectRefused(await send("/allow-flag-off/x", "192.0.2.1"));
    await expectPassed(await send("/allow-flag-off/x", "198.51.100.7"));
    await expectRefused(await send("/block-flag-off/x", "198.51.100.7"));
    await expectPassed(await send("/block-flag-off/x", "192.0.2.1"));
  });

  it("skips a list when ip_access_control_disabled is true and its flag is false, but not when the flag is on", async () => {
    await expectPassed(await send("/allow-disabled/x", "192.0.2.1"));
    await expectPassed(await send("/block-disabled/x", "198.51.100.7"));
    await expectRefused(await send("/allow-disabled-flag-on/x", "192.0.2.1"));
    await expectPassed(await send("/allow-disabled-flag-on/x", "198.51.100.7"));
  });

  it("does not check an empty list", async () => {
    await expectPassed(await send("/allow-empty/x", "192.0.2.1"));
  });

  it("refuses a caller whose address is unknown or unreadable, for allow and block lists alike", async () => {
    await expectRefused(await send("/allow-v4/x"));
    await expectRefused(await send("/block/x"));
    await expectRefused(await send("/block/x", "not-an-address"));
    // X-Forwarded-For is not the client address unless the operator trusts it.
    await expectRefused(await send("/allow-v4/x", undefined, { "x-forwarded-for": "198.51.100.7" }));
    await expectRefused(await send("/block/x", undefined, { "x-forwarded-for": "192.0.2.1" }));
    // An API with no list in force does not care.
    await expectPassed(await send("/allow-disabled/x"));
  });
});

describe("a refused request", () => {
  it("never reaches the upstream", async () => {
    await loadApis(...apis);
    let upstreamCalls = 0;
    const countingUpstream = defineFeature({
      name: "CountingUpstream",
      honours: [],
      compile: () => true,
      step: () => async () => {
        upstreamCalls++;
        return new Response("from upstream");
      },
    });
    const send = gatewayWith(withIpLists(countingUpstream));
    for (const [path, ip] of [
      ["/allow-v4/x", "192.0.2.1"],
      ["/allow-v6/x", "2001:db8:abce::5"],
      ["/block/x", "198.51.100.7"],
      ["/block/x", undefined],
    ] as const) {
      expect((await send(path, ip)).status).toBe(403);
    }
    expect(upstreamCalls).toBe(0);
    expect(await (await send("/block/x", "192.0.2.1")).text()).toBe("from upstream");
    expect(upstreamCalls).toBe(1);
  });
});

describe("definitions", () => {
  const config = parseGatewayConfig({});
  const compile = (fields: Record<string, unknown>) => compileDefinition(api("def", fields), config, withIpLists());

  it("refuses an invalid address or CIDR, naming the field and index", () => {
    const result = compile({ allowed_ips: ["10.0.0.1", "10.0.0.300"], blacklisted_ips: ["2001:db8::/129"] });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toEqual([
        'allowed_ips.1: "10.0.0.300" is not an IP address or CIDR range',
        'blacklisted_ips.0: "2001:db8::/129" has a prefix length that is not 0-128',
      ]);
    }
  });

  it("gives an API steps only for the lists in force, and serves it", () => {
    const chainOf = (fields: Record<string, unknown>) => {
      const result = compile(fields);
      if (!result.ok) throw new Error(result.error);
      expect(result.api.notServed).toEqual([]);
      return result.api.chain.filter((name) => name.startsWith("IP"));
    };
    expect(chainOf({})).toEqual([]);
    expect(chainOf({ enable_ip_whitelisting: true, allowed_ips: null })).toEqual([]);
    expect(chainOf({ allowed_ips: ["10.0.0.1"], ip_access_control_disabled: true })).toEqual([]);
    expect(chainOf({ allowed_ips: ["10.0.0.1"] })).toEqual(["IPWhiteListMiddleware"]);
    expect(chainOf({ blacklisted_ips: ["10.0.0.1"], enable_ip_blacklisting: true, ip_access_control_disabled: true })).toEqual(["IPBlackListMiddleware"]);
    expect(chainOf({ allowed_ips: ["10.0.0.0/8"], blacklisted_ips: ["10.0.0.1"] })).toEqual(["IPWhiteListMiddleware", "IPBlackListMiddleware"]);
  });
});
