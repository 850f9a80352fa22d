import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, gateway, keylessApi, loadApis, reload, store, upstreamUrl } from "../support/gateway";

describe("routing", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({ api_id: "root", proxy: { listen_path: "/", target_url: `${upstreamUrl()}/root` } }),
      keylessApi({ api_id: "short", proxy: { listen_path: "/shop/", target_url: `${upstreamUrl()}/short` } }),
      keylessApi({ api_id: "long", proxy: { listen_path: "/shop/cart/", target_url: `${upstreamUrl()}/long` } }),
      keylessApi({ api_id: "tenant", proxy: { listen_path: "/tenants/{tenant}/", target_url: `${upstreamUrl()}/tenant` } }),
      keylessApi({ api_id: "domain", domain: "api.example.com", proxy: { listen_path: "/shop/", target_url: `${upstreamUrl()}/domain` } }),
      keylessApi({ api_id: "broken", proxy: { listen_path: "no-leading-slash", target_url: "not a url" } }),
    );
    await env.GATEWAY_KV.put("tyk-api:corrupt", "{ not json");
    await reload();
  });

  it("picks the longest matching listen path", async () => {
    expect((await echoOf(await gateway("/shop/cart/1"))).path).toBe("/long/1");
    expect((await echoOf(await gateway("/shop/shoes"))).path).toBe("/short/shoes");
    expect((await echoOf(await gateway("/elsewhere"))).path).toBe("/root/elsewhere");
  });

  it("matches {param} segments in listen paths", async () => {
    expect((await echoOf(await gateway("/tenants/acme/items"))).path).toBe("/tenant/items");
  });

  it("prefers the API bound to the request's domain, ignoring the port", async () => {
    expect((await echoOf(await gateway("/shop/x", { host: "api.example.com:8443" }))).path).toBe("/domain/x");
    expect((await echoOf(await gateway("/shop/x", { host: "other.example.com" }))).path).toBe("/short/x");
  });

  it("skips invalid or corrupt stored definitions and serves the others", async () => {
    expect((await gateway("/shop/x")).status).toBe(200);
  });

  it("serves a newly stored API only after /tyk/reload", async () => {
    await store().put("apis", "late", keylessApi({ api_id: "late", proxy: { listen_path: "/shop/late/", target_url: `${upstreamUrl()}/late` } }));
    expect((await echoOf(await gateway("/shop/late/x"))).path).toBe("/short/late/x");
    await reload();
    expect((await echoOf(await gateway("/shop/late/x"))).path).toBe("/late/x");
  });
});
