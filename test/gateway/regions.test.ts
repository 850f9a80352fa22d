import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { compileStoredApis } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { testSecret } from "../support/constants";
import { echoOf, keylessApi, loadApis, upstreamUrl } from "../support/gateway";

/*
 * Segmented regions: each region's Worker is the same app with its own
 * TYK_GW_DBAPPCONFOPTIONS_* variables (wrangler.toml [env.<region>].vars), run
 * here against the test KV with those variables.
 */

function api(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return keylessApi({ api_id: id, name: id, proxy: { listen_path: `/${id}/` }, ...fields });
}

const apis = [
  api("eu-only", { tags: ["eu"] }),
  api("us-only", { tags: ["us"] }),
  api("both", { tags: ["us", "eu"] }),
  api("untagged", {}),
  api("wrong-case", { tags: ["EU"] }),
  api("tags-off", { tags: ["eu"], tags_disabled: true }),
];

/** One region's Worker: the bindings object is its identity, so the gateway is built once per region. */
function region(vars: Record<string, string>) {
  const bindings = { GATEWAY_KV: env.GATEWAY_KV, TYK_GW_SECRET: testSecret, PORTCULLIS_CONFIG_CHECK_SECONDS: "0", ...vars };
  const app = createApp();
  return async (path: string, init?: RequestInit) => app.request(`http://gateway.test${path}`, init, bindings);
}

async function served(request: ReturnType<typeof region>): Promise<string[]> {
  const ids: string[] = [];
  for (const { api_id } of apis) {
    const response = await request(`/${String(api_id)}/get`);
    if (response.status === 200) ids.push(String(api_id));
    else {
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("Not Found");
    }
  }
  return ids;
}

describe("segmented regions (db_app_conf_options)", () => {
  beforeAll(() => loadApis(...apis));

  it("a segmented gateway serves only the APIs sharing one of its tags; untagged and other regions' APIs get the plain 404", async () => {
    const eu = region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu" });
    expect(await served(eu)).toEqual(["eu-only", "both"]);
    const us = region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "us" });
    expect(await served(us)).toEqual(["us-only", "both"]);
  });

  it("reads the node's tags as a comma-separated list, spaces trimmed, matched case-sensitively", async () => {
    const both = region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: " us , EU " });
    expect(await served(both)).toEqual(["us-only", "both", "wrong-case"]);
  });

  it("a segmented gateway without tags serves nothing", async () => {
    expect(await served(region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true" }))).toEqual([]);
  });

  it("tags alone do nothing while node_is_segmented is off: every API is served", async () => {
    const unsegmented = region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "false", TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu" });
    expect(await served(unsegmented)).toEqual(apis.map((definition) => definition.api_id));
  });

  it("the Gateway API of a segmented gateway still stores and lists every API", async () => {
    const eu = region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu" });
    const response = await eu("/tyk/apis", { headers: { "x-tyk-authorization": testSecret } });
    expect(response.status).toBe(200);
    const listed = ((await response.json()) as { api_id: string }[]).map((definition) => definition.api_id).sort();
    expect(listed).toEqual(apis.map((definition) => String(definition.api_id)).sort());
  });

  it("rejects a bad flag naming the variable", async () => {
    const response = await region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "yes" })("/eu-only/get");
    expect(response.status).toBe(500);
    expect(((await response.json()) as { message: string }).message).toContain("TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED");
  });

  it("does not compile another region's definitions, so an invalid one there is not even looked at", () => {
    const config = parseGatewayConfig({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu" });
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      const documents = new Map<string, unknown>([
        ["eu-only", apis[0]],
        ["broken-us", { api_id: "broken-us", tags: ["us"], proxy: "not an object" }],
      ]);
      expect(compileStoredApis(documents, config).map((served) => served.id)).toEqual(["eu-only"]);
    } finally {
      console.error = original;
    }
    expect(errors).toEqual([]);
  });
});

describe("segmented regions sharing a listen path", () => {
  beforeAll(() =>
    loadApis(
      keylessApi({ api_id: "orders-eu", proxy: { listen_path: "/orders/", target_url: `${upstreamUrl()}/eu` }, tags: ["eu"] }),
      keylessApi({ api_id: "orders-us", proxy: { listen_path: "/orders/", target_url: `${upstreamUrl()}/us` }, tags: ["us"] }),
    ),
  );

  it("each region serves its own API on the path; an unsegmented gateway keeps the first and refuses the duplicate", async () => {
    const pathOf = async (request: ReturnType<typeof region>) => (await echoOf(await request("/orders/list"))).path;
    expect(await pathOf(region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu" }))).toBe("/eu/list");
    expect(await pathOf(region({ TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true", TYK_GW_DBAPPCONFOPTIONS_TAGS: "us" }))).toBe("/us/list");
    expect(["/eu/list", "/us/list"]).toContain(await pathOf(region({})));
  });
});
