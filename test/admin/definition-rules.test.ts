import { beforeEach, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, store, upstreamUrl } from "../support/gateway";

/*
 * What a definition must meet to be written beyond compiling: a domain +
 * listen path no other active API has (Tyk's uniqueness key), lengths a URL
 * and a host name can carry, and HTTP(S) upstreams only.
 */

const reason = (text: string) => ({ status: "error", message: `Validation of API Definition failed. Reason: ${text}.` });
const api = (id: string, overrides: Record<string, unknown> = {}) => keylessApi({ api_id: id, name: id, ...overrides });

describe("a duplicate domain + listen_path", () => {
  beforeEach(async () => {
    await loadApis(api("first", { proxy: { listen_path: "/shared/" } }), api("on-domain", { domain: "api.example.com", proxy: { listen_path: "/shared/" } }));
  });

  it("is refused by POST with 400 naming the API that has it, and nothing is stored", async () => {
    const reply = await admin("POST", "/apis", api("second", { proxy: { listen_path: "/shared/" } }));
    expect(reply).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/shared/" on domain "" is already used by API "first"') });
    expect(await store().get("apis", "second")).toBeNull();
  });

  it("is the same route with or without trailing slashes, and on a domain compared without case", async () => {
    const bare = await admin("POST", "/apis", api("bare", { proxy: { listen_path: "/shared" } }));
    expect(bare).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/shared" on domain "" is already used by API "first"') });
    const upper = await admin("POST", "/apis", api("upper", { domain: "API.example.com", proxy: { listen_path: "/shared//" } }));
    expect(upper).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/shared//" on domain "api.example.com" is already used by API "on-domain"') });
  });

  it("is refused by PUT when an API moves onto another's route", async () => {
    await admin("POST", "/apis", api("mover", { proxy: { listen_path: "/elsewhere/" } }));
    const reply = await admin("PUT", "/apis/mover", api("mover", { proxy: { listen_path: "/shared/" } }));
    expect(reply).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/shared/" on domain "" is already used by API "first"') });
    expect(await store().get("apis", "mover")).toMatchObject({ proxy: { listen_path: "/elsewhere/" } });
  });

  it("is counted from the store, so a write not yet reloaded already holds its route", async () => {
    expect(await admin("POST", "/apis", api("pending", { proxy: { listen_path: "/pending/" } }))).toMatchObject({ status: 200 });
    const reply = await admin("POST", "/apis", api("racer", { proxy: { listen_path: "/pending/" } }));
    expect(reply).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/pending/" on domain "" is already used by API "pending"') });
  });

  it("is allowed for the API itself, for another domain, and for an inactive API, as the gateway serves them", async () => {
    expect(await admin("PUT", "/apis/first", api("first", { name: "renamed", proxy: { listen_path: "/shared/" } }))).toMatchObject({ status: 200 });
    expect(await admin("POST", "/apis", api("other-domain", { domain: "other.example.com", proxy: { listen_path: "/shared/" } }))).toMatchObject({
      status: 200,
    });
    expect(await admin("POST", "/apis", api("dormant", { active: false, proxy: { listen_path: "/shared/" } }))).toMatchObject({ status: 200 });
    const wake = await admin("PUT", "/apis/dormant", api("dormant", { active: true, proxy: { listen_path: "/shared/" } }));
    expect(wake).toMatchObject({ status: 400, body: reason('proxy.listen_path: "/shared/" on domain "" is already used by API "first"') });
  });

  it("leaves the route of a stored definition that no longer validates free", async () => {
    await store().put("apis", "broken", api("broken", { proxy: { listen_path: "/broken/", target_url: "not a url" } }));
    expect(await admin("POST", "/apis", api("fixed", { proxy: { listen_path: "/broken/" } }))).toMatchObject({ status: 200 });
  });
});

describe("field lengths", () => {
  it("refuses a listen_path over 1024 characters and a domain over 259, naming the field", async () => {
    const longPath = await admin("POST", "/apis", api("long-path", { proxy: { listen_path: `/${"a".repeat(1024)}` } }));
    expect(longPath).toMatchObject({ status: 400, body: reason("proxy.listen_path: must be at most 1024 characters") });
    const atLimit = await admin("POST", "/apis", api("at-limit", { proxy: { listen_path: `/${"a".repeat(1023)}` } }));
    expect(atLimit.status).toBe(200);
    const longDomain = await admin("POST", "/apis", api("long-domain", { domain: `${"d".repeat(257)}.io`, proxy: { listen_path: "/d/" } }));
    expect(longDomain).toMatchObject({ status: 400, body: reason("domain: must be at most 259 characters") });
  });

  it("refuses a 5 MB listen_path by body size", async () => {
    const reply = await admin("POST", "/apis", api("huge-path", { proxy: { listen_path: `/${"a".repeat(5_000_000)}` } }));
    expect(reply.status).toBe(413);
  });
});

describe("upstream URLs", () => {
  const notHttp = ["file:///etc/passwd", "javascript:alert(1)", "data:text/plain,hello", "ftp://files.example.com/", "ws://127.0.0.1:9/"];

  it.each(notHttp)("refuses %s as target_url, in target_list and as a version's override_target", async (url) => {
    expect(await admin("POST", "/apis", api("target", { proxy: { target_url: url } }))).toMatchObject({
      status: 400,
      body: reason("proxy.target_url: must be an http or https URL"),
    });
    const balanced = api("balanced", { proxy: { target_url: "", enable_load_balancing: true, target_list: [upstreamUrl(), url] } });
    expect(await admin("POST", "/apis", balanced)).toMatchObject({ status: 400, body: reason("proxy.target_list.1: must be an http or https URL") });
    const versioned = api("versioned", {
      version_data: { not_versioned: false, default_version: "v1", versions: { v1: { name: "v1", override_target: url } } },
    });
    expect(await admin("POST", "/apis", versioned)).toMatchObject({
      status: 400,
      body: reason("version_data.versions.v1.override_target: must be an http or https URL"),
    });
    for (const id of ["target", "balanced", "versioned"]) expect(await store().get("apis", id)).toBeNull();
  });

  it("accepts http and https targets, and an empty target_url when target_list is used", async () => {
    const balanced = api("lb", {
      proxy: { listen_path: "/lb/", target_url: "", enable_load_balancing: true, target_list: [upstreamUrl(), "https://example.com"] },
    });
    expect(await admin("POST", "/apis", balanced)).toMatchObject({ status: 200 });
    const versioned = api("vv", {
      proxy: { listen_path: "/vv/" },
      version_data: { not_versioned: false, default_version: "v1", versions: { v1: { name: "v1", override_target: "https://example.com/base" } } },
    });
    expect(await admin("POST", "/apis", versioned)).toMatchObject({ status: 200 });
  });

  it("does not serve a stored definition with a file: target, and serves the others", async () => {
    await loadApis(api("good", { proxy: { listen_path: "/good/" } }), api("sneaky", { proxy: { listen_path: "/sneaky/", target_url: "file:///etc/passwd" } }));
    expect((await gateway("/sneaky/passwd")).status).toBe(404);
    expect((await echoOf(await gateway("/good/x"))).path).toBe("/x");
  });
});
