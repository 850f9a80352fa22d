import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { byAgent, recordsMatching, uniqueAgent } from "../analytics/support/records";
import type { CountedAnswer } from "../support/counting-upstream";
import { adminHeaders, gateway, keylessApi, loadApis, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { gatewayWith } from "../ratelimit/support";

/*
 * The response cache through the Worker in workerd, with Miniflare's Cache
 * API and a loopback upstream that counts what reaches it
 * (test/support/counting-upstream.ts). Answers are stored in the background
 * after the response, so each test lets a stored answer settle (a bounded
 * 150 ms) before asking again.
 */

const upstream = () => inject("countingUpstreamUrl");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settle = () => sleep(150);
let unique = 0;
/** A path no other test uses, so the upstream's count and the cache start empty for it. */
const fresh = (label: string) => `/${label}-${Date.now()}-${++unique}`;

function cachedApi(apiId: string, cacheOptions: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return keylessApi({
    api_id: apiId,
    name: apiId,
    cache_options: { enable_cache: true, cache_timeout: 60, ...cacheOptions },
    ...overrides,
    proxy: { listen_path: `/${apiId}/`, target_url: upstream(), strip_listen_path: true },
  });
}

function withPaths(paths: Record<string, unknown>): Record<string, unknown> {
  return { version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: paths } } } };
}

interface Answer {
  status: number;
  cached: boolean;
  headers: Headers;
  body: CountedAnswer | undefined;
}

async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await gateway(path, init);
  const text = await response.text();
  let body: CountedAnswer | undefined;
  try {
    body = JSON.parse(text) as CountedAnswer;
  } catch {
    body = undefined;
  }
  return { status: response.status, cached: response.headers.get("x-tyk-cached-response") === "1", headers: response.headers, body };
}

/** How often the upstream was asked for this path and query. */
async function upstreamCount(url: string): Promise<number> {
  const response = await fetch(`${upstream()}/__count?url=${encodeURIComponent(url)}`);
  return ((await response.json()) as { count: number }).count;
}

describe("response cache", () => {
  beforeAll(async () => {
    await loadApis(
      cachedApi("rc-all", { cache_all_safe_requests: true }),
      cachedApi("rc-short", { cache_all_safe_requests: true, cache_timeout: 1 }),
      cachedApi("rc-headers", { cache_all_safe_requests: true, cache_by_headers: ["X-Tenant"] }),
      cachedApi("rc-codes", { cache_all_safe_requests: true, cache_response_codes: [200] }),
      cachedApi("rc-upstream", { cache_all_safe_requests: true, cache_response_codes: [200], enable_upstream_cache_control: true }),
      cachedApi("rc-ttl-header", { cache_all_safe_requests: true, enable_upstream_cache_control: true, cache_control_ttl_header: "X-Cache-TTL" }),
      cachedApi(
        "rc-paths",
        {},
        withPaths({ cache: ["/listed"], advance_cache_config: [{ path: "/search", method: "POST", cache_key_regex: '"query":"[^"]*"' }] }),
      ),
      cachedApi("rc-off", { enable_cache: false, cache_all_safe_requests: true }),
      cachedApi("rc-keyed", { cache_all_safe_requests: true }, { use_keyless: false, use_standard_auth: true }),
    );
  });

  it("answers a repeated GET from the cache, marked x-tyk-cached-response: 1, with the upstream's status and headers, without asking the upstream", async () => {
    const path = fresh("hit");
    const first = await send(`/rc-all${path}?h-x-custom=kept`);
    expect(first.cached).toBe(false);
    await settle();
    const second = await send(`/rc-all${path}?h-x-custom=kept`);
    expect(second).toMatchObject({ status: 200, cached: true });
    expect(second.body?.serial).toBe(first.body?.serial);
    expect(second.headers.get("x-custom")).toBe("kept");
    expect(second.headers.get("content-type")).toBe("application/json");
    expect(await upstreamCount(`${path}?h-x-custom=kept`)).toBe(1);
  });

  it("serves an answer another isolate stored, from the Cache API (not that isolate's memory)", async () => {
    const path = fresh("shared");
    const first = await send(`/rc-all${path}`);
    await settle();
    const otherIsolate = gatewayWith({});
    const response = await otherIsolate.send(`/rc-all${path}`);
    expect(response.headers.get("x-tyk-cached-response")).toBe("1");
    expect(((await response.json()) as CountedAnswer).serial).toBe(first.body?.serial);
    expect(await upstreamCount(path)).toBe(1);
  });

  it("keys on the query string", async () => {
    const path = fresh("query");
    await send(`/rc-all${path}?page=1`);
    await settle();
    expect((await send(`/rc-all${path}?page=2`)).cached).toBe(false);
    expect((await send(`/rc-all${path}?page=1`)).cached).toBe(true);
  });

  it("serves nothing from the cache when enable_cache is off", async () => {
    const path = fresh("off");
    await send(`/rc-off${path}`);
    await settle();
    expect((await send(`/rc-off${path}`)).cached).toBe(false);
    expect(await upstreamCount(path)).toBe(2);
  });

  it("lets an entry expire after cache_timeout", async () => {
    const path = fresh("expiry");
    await send(`/rc-short${path}`);
    await settle();
    expect((await send(`/rc-short${path}`)).cached).toBe(true);
    await sleep(1300);
    expect((await send(`/rc-short${path}`)).cached).toBe(false);
    expect(await upstreamCount(path)).toBe(2);
  });

  it("keeps each keyless caller's answers apart by address (Tyk keys on the address when no key is presented)", async () => {
    const path = fresh("callers");
    const from = (ip: string) => ({ headers: { "cf-connecting-ip": ip } });
    const first = await send(`/rc-all${path}`, from("198.51.100.1"));
    await settle();
    const other = await send(`/rc-all${path}`, from("198.51.100.2"));
    expect(other.cached).toBe(false);
    expect(other.body?.serial).not.toBe(first.body?.serial);
    expect((await send(`/rc-all${path}`, from("198.51.100.1"))).cached).toBe(true);
  });

  it("never gives one key's cached answer to another key, and still refuses a request without a key", async () => {
    const keyA = await createKey(accessTo("rc-keyed"));
    const keyB = await createKey(accessTo("rc-keyed"));
    const path = fresh("keys");
    const first = await send(`/rc-keyed${path}`, { headers: { authorization: keyA } });
    expect(first.status).toBe(200);
    await settle();
    const forB = await send(`/rc-keyed${path}`, { headers: { authorization: keyB } });
    expect(forB.cached).toBe(false);
    expect(forB.body?.serial).not.toBe(first.body?.serial);
    expect((await send(`/rc-keyed${path}`, { headers: { authorization: keyA } })).cached).toBe(true);
    const anonymous = await gateway(`/rc-keyed${path}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("x-tyk-cached-response")).toBeNull();
    expect(await tykError(anonymous)).toBe("Authorization field missing");
    expect(await upstreamCount(path)).toBe(2);
  });

  it("still rate limits a key whose answers come from the cache", async () => {
    const key = await createKey({ ...accessTo("rc-keyed"), rate: 2, per: 60 });
    const path = fresh("limited");
    const headers = { authorization: key };
    expect((await send(`/rc-keyed${path}`, { headers })).status).toBe(200);
    await settle();
    expect(await send(`/rc-keyed${path}`, { headers })).toMatchObject({ status: 200, cached: true });
    const third = await gateway(`/rc-keyed${path}`, { headers });
    expect(third.status).toBe(429);
    expect(await tykError(third)).toBe("Rate Limit Exceeded");
  });

  it("keys on the cache_by_headers values", async () => {
    const path = fresh("by-headers");
    const tenant = (name: string) => ({ headers: { "x-tenant": name } });
    const acme = await send(`/rc-headers${path}`, tenant("acme"));
    await settle();
    expect((await send(`/rc-headers${path}`, tenant("globex"))).cached).toBe(false);
    const again = await send(`/rc-headers${path}`, tenant("acme"));
    expect(again.cached).toBe(true);
    expect(again.body?.serial).toBe(acme.body?.serial);
  });

  it("stores only the statuses in cache_response_codes", async () => {
    const failing = `/status/500${fresh("codes")}`;
    await send(`/rc-codes${failing}`);
    await settle();
    expect(await send(`/rc-codes${failing}`)).toMatchObject({ status: 500, cached: false });
    const ok = fresh("codes-ok");
    await send(`/rc-codes${ok}`);
    await settle();
    expect((await send(`/rc-codes${ok}`)).cached).toBe(true);
  });

  it("stores any status the upstream marks with x-tyk-cache-action-set, for the TTL it names, with enable_upstream_cache_control", async () => {
    const path = `/status/500${fresh("upstream")}?h-x-tyk-cache-action-set=1&h-x-tyk-cache-action-set-ttl=1`;
    await send(`/rc-upstream${path}`);
    await settle();
    expect(await send(`/rc-upstream${path}`)).toMatchObject({ status: 500, cached: true });
    await sleep(1300);
    expect((await send(`/rc-upstream${path}`)).cached).toBe(false);
  });

  it("reads the upstream's TTL from cache_control_ttl_header", async () => {
    const path = `${fresh("ttl-header")}?h-x-cache-ttl=1`;
    await send(`/rc-ttl-header${path}`);
    await settle();
    expect((await send(`/rc-ttl-header${path}`)).cached).toBe(true);
    await sleep(1300);
    expect((await send(`/rc-ttl-header${path}`)).cached).toBe(false);
  });

  it("answers 304 from the cache when the client already holds the answer's ETag", async () => {
    const path = `${fresh("etag")}?h-etag=${encodeURIComponent('"v1"')}`;
    await send(`/rc-all${path}`);
    await settle();
    const conditional = await gateway(`/rc-all${path}`, { headers: { "if-none-match": '"v1"' } });
    expect(conditional.status).toBe(304);
    expect(conditional.headers.get("x-tyk-cached-response")).toBe("1");
  });

  it("does not cache POST under cache_all_safe_requests", async () => {
    const path = fresh("post");
    await send(`/rc-all${path}`, { method: "POST", body: "{}" });
    await settle();
    expect((await send(`/rc-all${path}`, { method: "POST", body: "{}" })).cached).toBe(false);
    expect(await upstreamCount(path)).toBe(2);
  });

  it("caches only the extended_paths.cache paths when cache_all_safe_requests is off", async () => {
    await send("/rc-paths/listed");
    await send(`/rc-paths/unlisted`);
    await settle();
    expect((await send("/rc-paths/listed")).cached).toBe(true);
    expect((await send("/rc-paths/unlisted")).cached).toBe(false);
  });

  it("caches a POST an advance_cache_config entry names, keyed on the cache_key_regex match in the body", async () => {
    const post = (body: object) => send("/rc-paths/search", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const query = `books-${Date.now()}`;
    const first = await post({ query, page: 1 });
    expect(first.cached).toBe(false);
    await settle();
    const samePart = await post({ query, page: 2 });
    expect(samePart.cached).toBe(true);
    expect(samePart.body?.serial).toBe(first.body?.serial);
    expect((await post({ query: `${query}-other`, page: 1 })).cached).toBe(false);
  });

  it("DELETE /tyk/cache/{api_id} invalidates the API's entries, answering as Tyk", async () => {
    const path = fresh("invalidate");
    await send(`/rc-all${path}`);
    await settle();
    expect((await send(`/rc-all${path}`)).cached).toBe(true);
    const invalidated = await gateway("/tyk/cache/rc-all", { method: "DELETE", headers: adminHeaders });
    expect(invalidated.status).toBe(200);
    expect(await invalidated.json()).toEqual({ status: "ok", message: "cache invalidated" });
    const after = await send(`/rc-all${path}`);
    expect(after.cached).toBe(false);
    await settle();
    expect((await send(`/rc-all${path}`)).cached).toBe(true);
    expect(await upstreamCount(path)).toBe(2);
  });

  it("answers DELETE /tyk/cache for an unknown API as Tyk does, refuses other methods and callers without the secret", async () => {
    expect(await (await gateway("/tyk/cache/no-such-api", { method: "DELETE", headers: adminHeaders })).json()).toEqual({
      status: "ok",
      message: "cache invalidated",
    });
    expect((await gateway("/tyk/cache/rc-all", { headers: adminHeaders })).status).toBe(405);
    expect((await gateway("/tyk/cache/rc-all", { method: "DELETE" })).status).toBe(403);
  });

  it("records a hit in analytics, with no upstream latency", async () => {
    // The upstream takes 100 ms, so the miss's record shows it and the hit's shows none.
    const path = `${fresh("analytics")}?delay=100`;
    const agent = uniqueAgent("cache-hit");
    await send(`/rc-all${path}`, { headers: { "user-agent": agent } });
    await settle();
    expect((await send(`/rc-all${path}`, { headers: { "user-agent": agent } })).cached).toBe(true);
    const records = await recordsMatching(byAgent(agent), 2);
    expect(records).toHaveLength(2);
    const [miss, hit] = records.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    expect(miss?.latency.upstream).toBeGreaterThanOrEqual(100);
    expect(hit).toMatchObject({ api_id: "rc-all", response_code: 200, latency: { upstream: 0 } });
  });

  it("does not store an answer larger than PORTCULLIS_CACHE_MAX_BYTES, and still serves it whole", async () => {
    const small = gatewayWith({ PORTCULLIS_CACHE_MAX_BYTES: "40" });
    const path = fresh("too-large");
    const first = await small.send(`/rc-all${path}`);
    const body = (await first.json()) as CountedAnswer;
    expect(JSON.stringify(body).length).toBeGreaterThan(40);
    await small.settle();
    const second = await small.send(`/rc-all${path}`);
    expect(second.headers.get("x-tyk-cached-response")).toBeNull();
    await second.arrayBuffer();
    await small.settle();

    const roomy = gatewayWith({ PORTCULLIS_CACHE_MAX_BYTES: "100000" });
    await (await roomy.send(`/rc-all${path}`)).arrayBuffer();
    await roomy.settle();
    expect((await roomy.send(`/rc-all${path}`)).headers.get("x-tyk-cached-response")).toBe("1");
  });
});
