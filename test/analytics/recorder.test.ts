import { beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/session/keys";
import { gateway, keylessApi, loadApis, upstreamUrl } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { byAgent, recordOf, recordsMatching, uniqueAgent } from "./support/records";

const hundredYearsMs = 100 * 365 * 24 * 3600 * 1000;

describe("analytics records", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({
        api_id: "an-open",
        name: "Open API",
        org_id: "acme",
        tags: ["public"],
        tag_headers: ["X-Team"],
        expire_analytics_after: 3600,
        proxy: { listen_path: "/an-open/" },
      }),
      keylessApi({
        api_id: "an-secure",
        name: "Secure API",
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: "/an-secure/", strip_listen_path: false },
      }),
      keylessApi({ api_id: "an-silent", do_not_track: true, proxy: { listen_path: "/an-silent/" } }),
      keylessApi({
        api_id: "an-tracked",
        proxy: { listen_path: "/an-tracked/" },
        version_data: {
          not_versioned: true,
          versions: {
            Default: {
              name: "Default",
              extended_paths: { track_endpoints: [{ path: "/users/{id}", method: "GET" }], do_not_track_endpoints: [{ path: "/health", method: "GET" }] },
            },
          },
        },
      }),
      keylessApi({
        api_id: "an-versioned",
        proxy: { listen_path: "/an-versioned/" },
        definition: { location: "header", key: "x-api-version" },
        version_data: { not_versioned: false, versions: { v1: { name: "v1" } } },
      }),
      keylessApi({ api_id: "an-down", proxy: { listen_path: "/an-down/", target_url: "http://127.0.0.1:1" } }),
    );
  });

  it("records one request with Tyk's fields", async () => {
    const agent = uniqueAgent("success");
    const before = Date.now();
    const response = await gateway("/an-open/items/42?colour=red", {
      method: "POST",
      headers: { "user-agent": agent, "content-type": "text/plain", "x-team": "payments", "cf-connecting-ip": "198.51.100.4" },
      body: "hello",
      cf: { country: "NL", city: "Amsterdam", latitude: "52.37", longitude: "4.89", timezone: "Europe/Amsterdam" },
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const record = await recordOf(agent);
    expect(record).toMatchObject({
      method: "POST",
      host: new URL(upstreamUrl()).host,
      path: "/items/42",
      raw_path: "/items/42",
      original_path: "/an-open/items/42",
      listen_path: "/an-open/",
      content_length: 5,
      response_code: 200,
      api_key: "",
      api_version: "Non Versioned",
      api_name: "Open API",
      api_id: "an-open",
      org_id: "acme",
      oauth_id: "",
      raw_request: "",
      raw_response: "",
      ip_address: "198.51.100.4",
      alias: "",
      track_path: false,
      geo: {
        country: { iso_code: "NL" },
        city: { geoname_id: 0, names: { en: "Amsterdam" } },
        location: { latitude: 52.37, longitude: 4.89, time_zone: "Europe/Amsterdam" },
      },
    });
    expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.tags).toEqual(["x-team-payments", "public", "org-acme", "api-an-open"]);
    const timestamp = Date.parse(record.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before - 1000);
    const at = new Date(timestamp);
    expect([record.year, record.month, record.day, record.hour]).toEqual([at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate(), at.getUTCHours()]);
    expect(Date.parse(record.expireAt) - timestamp).toBe(3600 * 1000);
    expect(record.request_time).toBe(record.latency.total);
    expect(record.latency.upstream + record.latency.gateway).toBe(record.latency.total);
    expect(record.network.bytes_in).toBe(5);
  });

  it("records the hashed key, session tags and alias for a keyed request", async () => {
    const key = await createKey({ ...accessTo("an-secure"), tags: ["gold"], alias: "alice", oauth_client_id: "client-7" });
    const agent = uniqueAgent("keyed");
    const response = await gateway("/an-secure/orders", { headers: { authorization: key, "user-agent": agent } });
    expect(response.status).toBe(200);
    await response.arrayBuffer();

    const record = await recordOf(agent);
    const hashed = await hashKey(key, "sha256");
    expect(record.api_key).toBe(hashed);
    expect(record.api_key).not.toBe(key);
    expect(record).toMatchObject({ alias: "alice", oauth_id: "client-7", path: "/an-secure/orders", raw_path: "/an-secure/orders" });
    expect(record.tags).toEqual(["gold", `key-${hashed}`, "org-default", "api-an-secure"]);
    expect(Date.parse(record.expireAt) - Date.parse(record.timestamp)).toBe(hundredYearsMs);
  });

  it("records gateway errors with all time counted as gateway time", async () => {
    const missing = uniqueAgent("no-key");
    const unknown = uniqueAgent("bad-key");
    const down = uniqueAgent("down");
    expect((await gateway("/an-secure/x", { headers: { "user-agent": missing } })).status).toBe(401);
    expect((await gateway("/an-secure/x", { headers: { "user-agent": unknown, authorization: "nope-not-a-key" } })).status).toBe(403);
    expect((await gateway("/an-down/x", { headers: { "user-agent": down } })).status).toBe(500);

    for (const [agent, code] of [
      [missing, 401],
      [unknown, 403],
      [down, 500],
    ] as const) {
      const record = await recordOf(agent);
      expect(record.response_code).toBe(code);
      expect(record.latency.upstream).toBe(0);
      expect(record.latency.gateway).toBe(record.latency.total);
    }
  });

  it("records upstream error statuses as they are", async () => {
    const agent = uniqueAgent("upstream-503");
    expect((await gateway("/an-open/status/503", { headers: { "user-agent": agent } })).status).toBe(503);
    expect((await recordOf(agent)).response_code).toBe(503);
  });

  it("records nothing for a request that matches no API", async () => {
    const agent = uniqueAgent("no-api");
    expect((await gateway("/nowhere/at/all", { headers: { "user-agent": agent } })).status).toBe(404);
    expect(await recordsMatching(byAgent(agent), 1, 500)).toEqual([]);
  });

  it("records nothing for a do_not_track API", async () => {
    const agent = uniqueAgent("silent");
    expect((await gateway("/an-silent/x", { headers: { "user-agent": agent } })).status).toBe(200);
    expect(await recordsMatching(byAgent(agent), 1, 500)).toEqual([]);
  });

  it("honours track_endpoints and do_not_track_endpoints", async () => {
    const tracked = uniqueAgent("tracked");
    const skipped = uniqueAgent("skipped");
    const plain = uniqueAgent("plain");
    await (await gateway("/an-tracked/users/17", { headers: { "user-agent": tracked } })).arrayBuffer();
    await (await gateway("/an-tracked/health", { headers: { "user-agent": skipped } })).arrayBuffer();
    await (await gateway("/an-tracked/other", { headers: { "user-agent": plain } })).arrayBuffer();

    expect(await recordOf(tracked)).toMatchObject({ path: "/users/{id}", raw_path: "/users/17", track_path: true });
    expect(await recordOf(plain)).toMatchObject({ path: "/other", track_path: false });
    expect(await recordsMatching(byAgent(skipped), 1, 300)).toEqual([]);
  });

  it("records the version name of a versioned API", async () => {
    const agent = uniqueAgent("versioned");
    expect((await gateway("/an-versioned/x", { headers: { "user-agent": agent, "x-api-version": "v1" } })).status).toBe(200);
    expect((await recordOf(agent)).api_version).toBe("v1");
  });
});
