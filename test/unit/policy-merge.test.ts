import { describe, expect, it } from "vitest";
import { applyPolicies } from "../../src/session/policies";
import { policySchema, sessionSchema, type Policy } from "../../src/session/schema";

const access = (...apiIds: string[]) => Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, versions: ["Default"] }]));
const policies = (...documents: Record<string, unknown>[]) =>
  new Map<string, Policy>(documents.map((document) => [String(document["id"]), policySchema.parse({ org_id: "org", ...document })]));
const session = (fields: Record<string, unknown>) => sessionSchema.parse({ org_id: "org", ...fields });

describe("policy merge", () => {
  it("leaves a key without policies alone, scoping its per-API limits to the API", () => {
    const key = session({ rate: 5, per: 1, access_rights: { a: { api_id: "a", limit: { rate: 2, per: 1 } }, b: { api_id: "b" } } });
    const result = applyPolicies(key, new Map(), "org");
    expect(result.ok && result.session.access_rights["a"]?.allowance_scope).toBe("a");
    expect(result.ok && result.session.access_rights["b"]?.allowance_scope).toBe("");
    expect(result.ok && result.session.rate).toBe(5);
  });

  it("never changes the session it was given", () => {
    const key = session({ apply_policies: ["p"], rate: 1, per: 60 });
    applyPolicies(key, policies({ id: "p", rate: 10, per: 1, access_rights: access("a") }), "org");
    expect(key.rate).toBe(1);
  });

  it("unions versions and allowed_urls of the same API", () => {
    const result = applyPolicies(
      session({ apply_policies: ["p1", "p2"] }),
      policies(
        { id: "p1", access_rights: { a: { api_id: "a", versions: ["v1"], allowed_urls: [{ url: "/x", methods: ["GET"] }] } } },
        { id: "p2", access_rights: { a: { api_id: "a", versions: ["v2"], allowed_urls: [{ url: "/x", methods: ["POST"] }, { url: "/y" }] } } },
      ),
      "org",
    );
    expect(result.ok).toBe(true);
    const right = result.ok ? result.session.access_rights["a"] : undefined;
    expect(right?.versions).toEqual(["v1", "v2"]);
    expect(right?.allowed_urls).toEqual([
      { url: "/x", methods: ["GET", "POST"] },
      { url: "/y", methods: [] },
    ]);
  });

  it("lets -1 (unlimited) quota beat any number and the shortest interval win the rate", () => {
    const result = applyPolicies(
      session({ apply_policies: ["a", "b"] }),
      policies(
        { id: "a", rate: 10, per: 1, quota_max: 1000, access_rights: access("x") },
        { id: "b", rate: 100, per: 60, quota_max: -1, access_rights: access("x") },
      ),
      "org",
    );
    expect(result.ok && { rate: result.session.rate, per: result.session.per, quota: result.session.quota_max }).toEqual({ rate: 10, per: 1, quota: -1 });
  });

  it("skips a missing policy among several, but fails when it is the only one", () => {
    const known = policies({ id: "p", access_rights: access("a") });
    expect(applyPolicies(session({ apply_policies: ["gone", "p"] }), known, "org").ok).toBe(true);
    expect(applyPolicies(session({ apply_policies: ["gone"] }), known, "org")).toEqual({ ok: false, error: 'policy not found: "gone"' });
  });

  it("refuses a policy of another organisation, and one mixing per_api with partitions", () => {
    expect(applyPolicies(session({ apply_policies: ["p"] }), policies({ id: "p", access_rights: access("a") }), "other").ok).toBe(false);
    const mixed = policies({ id: "p", partitions: { per_api: true, quota: true }, access_rights: access("a") });
    expect(applyPolicies(session({ apply_policies: ["p"] }), mixed, "org").ok).toBe(false);
    const perApi = { id: "per", partitions: { per_api: true }, access_rights: access("a") };
    const partitioned = { id: "part", partitions: { quota: true }, access_rights: access("a") };
    expect(applyPolicies(session({ apply_policies: ["part", "per"] }), policies(perApi, partitioned), "org")).toMatchObject({ ok: false });
  });

  it("fails when the policies grant no API at all, as Tyk does", () => {
    expect(applyPolicies(session({ apply_policies: ["master"] }), policies({ id: "master", rate: 5, per: 1 }), "org")).toEqual({
      ok: false,
      error: "key has no valid policies to be applied",
    });
  });

  it("merges tags and metadata, and takes inactivity from the policies", () => {
    const result = applyPolicies(
      session({ apply_policies: ["p"], tags: ["own"], is_inactive: true, meta_data: { a: 1 } }),
      policies({ id: "p", tags: ["gold"], meta_data: { b: 2 }, access_rights: access("x") }),
      "org",
    );
    expect(result.ok && result.session.is_inactive).toBe(false);
    expect(result.ok && [...result.session.tags].sort()).toEqual(["gold", "own"]);
    expect(result.ok && result.session.meta_data).toEqual({ a: 1, b: 2 });
  });
});
