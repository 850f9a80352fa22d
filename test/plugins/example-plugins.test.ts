import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, store, tykError } from "../support/gateway";
import { accessTo } from "../support/keys";

/*
 * The bundled example plugins (src/plugins) through the Worker itself:
 * custom auth whose sessions get policies, quotas and rate limits like keys,
 * a header from a config_data lookup, and an API naming a plugin that is not
 * registered, which is not served.
 */

const partners = {
  "token-acme": { id: "acme", policy: "partner-quota" },
  "token-acme-2": { id: "acme", policy: "partner-quota" },
  "token-slow": { id: "slow", policy: "partner-rate" },
  "token-elsewhere": { id: "elsewhere", policy: "partner-other-api" },
};

function partnerApi(id: string, extra: Record<string, unknown> = {}) {
  return keylessApi({
    api_id: id,
    name: id,
    use_keyless: false,
    custom_plugin_auth_enabled: true,
    custom_middleware: { driver: "otto", auth_check: { name: "partnerAuth", path: "middleware/partner.js" } },
    config_data: { partners },
    proxy: { listen_path: `/${id}/` },
    ...extra,
  });
}

const partner = (token: string) => ({ headers: { "x-partner-token": token } });

describe("example plugins", () => {
  beforeAll(async () => {
    const policies = [
      { id: "partner-quota", quota_max: 2, quota_renewal_rate: 3600, rate: 1000, per: 1, access_rights: accessTo("partners").access_rights },
      { id: "partner-rate", quota_max: -1, rate: 1, per: 60, access_rights: accessTo("partners").access_rights },
      { id: "partner-other-api", quota_max: -1, rate: 1000, per: 1, access_rights: accessTo("another-api").access_rights },
    ];
    for (const policy of policies) await store().put("policies", policy.id, { org_id: "default", ...policy });
    await loadApis(
      partnerApi("partners", { strip_auth_data: false }),
      keylessApi({
        api_id: "lookup",
        proxy: { listen_path: "/lookup/" },
        custom_middleware: { driver: "python", pre: [{ name: "addHeaderFromLookup" }] },
        config_data: { header_lookup: { from: "X-Customer", to: "X-Customer-Tier", table: { acme: "gold" }, default: "standard" } },
      }),
      keylessApi({ api_id: "missing", proxy: { listen_path: "/missing/" }, custom_middleware: { driver: "otto", post: [{ name: "notBundled" }] } }),
      keylessApi({
        api_id: "disabled-missing",
        proxy: { listen_path: "/disabled-missing/" },
        custom_middleware: { driver: "otto", post: [{ name: "notBundled", disabled: true }] },
      }),
    );
  });

  describe("partnerAuth (auth_check)", () => {
    it("lets a known partner through and refuses others with the plugin's answer", async () => {
      const echo = await echoOf(await gateway("/partners/a", partner("token-slow")));
      expect(echo.path).toBe("/a");
      const refused = await gateway("/partners/a", partner("nope"));
      expect(refused.status).toBe(403);
      expect(await tykError(refused)).toBe("Access to this API has been disallowed");
      expect((await gateway("/partners/a")).status).toBe(403);
    });

    it("counts the policy's quota per partner key, across that partner's tokens", async () => {
      expect((await gateway("/partners/q", partner("token-acme"))).status).toBe(200);
      expect((await gateway("/partners/q", partner("token-acme-2"))).status).toBe(200);
      const third = await gateway("/partners/q", partner("token-acme"));
      expect(third.status).toBe(403);
      expect(await tykError(third)).toBe("Quota exceeded");
    });

    it("applies the policy's rate limit", async () => {
      // token-slow may have been used once above; within the 60 s window a further request is refused either way.
      await gateway("/partners/r", partner("token-slow")).then((response) => response.body?.cancel());
      const limited = await gateway("/partners/r", partner("token-slow"));
      expect(limited.status).toBe(429);
      expect(await tykError(limited)).toBe("Rate Limit Exceeded");
    });

    it("applies the policy's access rights", async () => {
      const response = await gateway("/partners/x", partner("token-elsewhere"));
      expect(response.status).toBe(403);
      expect(await tykError(response)).toBe("Access to this API has been disallowed");
    });
  });

  describe("addHeaderFromLookup (pre)", () => {
    it("sets the upstream header from the config_data table, with its default", async () => {
      expect((await echoOf(await gateway("/lookup/x", { headers: { "x-customer": "acme" } }))).headers["x-customer-tier"]).toBe("gold");
      expect((await echoOf(await gateway("/lookup/x", { headers: { "x-customer": "zed" } }))).headers["x-customer-tier"]).toBe("standard");
    });
  });

  describe("a plugin that is not registered", () => {
    it("is reported by POST /tyk/apis, naming the plugin, and the API is not served", async () => {
      const added = await admin(
        "POST",
        "/apis",
        keylessApi({ api_id: "missing", proxy: { listen_path: "/missing/" }, custom_middleware: { post: [{ name: "notBundled" }] } }),
      );
      expect(added.status).toBe(200);
      expect((added.body as { warnings: unknown[] }).warnings).toContainEqual({
        field: "custom_middleware.post.notBundled",
        message: 'plugin "notBundled" is not registered in src/plugins/index.ts; the API is not served while it is set',
        security: true,
      });
      const response = await gateway("/missing/x");
      expect(response.status).toBe(500);
      expect(await tykError(response)).toContain("custom_middleware.post.notBundled");
    });

    it("does not matter while its hook is disabled", async () => {
      expect((await echoOf(await gateway("/disabled-missing/x"))).path).toBe("/x");
    });
  });
});
