import { beforeEach, describe, expect, it } from "vitest";
import { accessRightsFor, admin } from "../support/admin";
import { store } from "../support/gateway";

const policy = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Policy ${id}`,
  org_id: "default",
  rate: 10,
  per: 60,
  access_rights: accessRightsFor("secure"),
  ...extra,
});
const notFound = { status: "error", message: "Policy not found" };
const mismatch = { status: "error", message: "Request ID does not match that in policy! For Update operations these must match." };

async function clearPolicies(): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("policies")) await kv.delete("policies", id);
}

describe("/tyk/policies", () => {
  beforeEach(clearPolicies);

  it("adds a policy, storing the raw document, and lists and gets it", async () => {
    const gold = policy("gold", { partitions: { quota: true } });
    expect(await admin("POST", "/policies", gold)).toMatchObject({ status: 200, body: { key: "gold", status: "ok", action: "added" } });
    expect(await store().get("policies", "gold")).toEqual(gold);
    expect(await admin("GET", "/policies")).toMatchObject({ status: 200, body: [gold] });
    expect(await admin("GET", "/policies/gold")).toMatchObject({ status: 200, body: gold });
  });

  it("takes the id from _id when id is empty", async () => {
    const { id: _, ...withoutId } = policy("unused");
    const reply = await admin("POST", "/policies", { ...withoutId, _id: "5e9d9544a1dcd60001d0ed20" });
    expect(reply).toMatchObject({ status: 200, body: { key: "5e9d9544a1dcd60001d0ed20", action: "added" } });
    expect(await store().get("policies", "5e9d9544a1dcd60001d0ed20")).not.toBeNull();
  });

  it("answers an unknown policy with 404 Policy not found", async () => {
    expect(await admin("GET", "/policies/missing")).toMatchObject({ status: 404, body: notFound });
  });

  it("modifies an existing policy with PUT and refuses unknown ids", async () => {
    await admin("POST", "/policies", policy("silver"));
    const reply = await admin("PUT", "/policies/silver", policy("silver", { rate: 99 }));
    expect(reply).toMatchObject({ status: 200, body: { key: "silver", status: "ok", action: "modified" } });
    expect(await store().get("policies", "silver")).toMatchObject({ rate: 99 });
    expect(await admin("PUT", "/policies/bronze", policy("bronze"))).toMatchObject({ status: 404, body: notFound });
    expect(await store().get("policies", "bronze")).toBeNull();
  });

  it("refuses a PUT whose body names another id, or none", async () => {
    await admin("POST", "/policies", policy("silver"));
    expect(await admin("PUT", "/policies/silver", policy("gold"))).toMatchObject({ status: 400, body: mismatch });
    const { id: _, ...withoutId } = policy("silver");
    expect(await admin("PUT", "/policies/silver", withoutId)).toMatchObject({ status: 400, body: mismatch });
  });

  it("deletes a policy, then answers 404 for it", async () => {
    await admin("POST", "/policies", policy("gone"));
    expect(await admin("DELETE", "/policies/gone")).toMatchObject({ status: 200, body: { key: "gone", status: "ok", action: "deleted" } });
    expect(await store().get("policies", "gone")).toBeNull();
    expect(await admin("DELETE", "/policies/gone")).toMatchObject({ status: 404, body: notFound });
  });

  describe("bad input is a 400 naming the problem", () => {
    it.each([
      ["malformed JSON", "{"],
      ["an empty body", ""],
      ["a JSON array", "[1]"],
    ])("%s → Request malformed", async (_, body) => {
      expect(await admin("POST", "/policies", body)).toMatchObject({ status: 400, body: { status: "error", message: "Request malformed" } });
    });

    it("names the field of the wrong type", async () => {
      const reply = await admin("POST", "/policies", policy("typed", { rate: "ten" }));
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(/^Request malformed: rate: .*number/);
      expect(await store().get("policies", "typed")).toBeNull();
    });

    it("refuses a policy without an id, or with one that cannot be a path segment", async () => {
      const { id: _, ...withoutId } = policy("unused");
      expect(await admin("POST", "/policies", withoutId)).toMatchObject({ status: 400, body: { message: "Unable to create policy without id." } });
      const slashed = await admin("POST", "/policies", policy("a/b"));
      expect(slashed.status).toBe(400);
      expect((slashed.body as { message: string }).message).toMatch(/^Invalid policy ID: id must not contain '\/'/);
    });

    it("refuses PUT and DELETE without an id", async () => {
      expect(await admin("PUT", "/policies", policy("x"))).toMatchObject({ status: 400, body: { message: "Must specify a policy ID to update" } });
      expect(await admin("DELETE", "/policies")).toMatchObject({ status: 400, body: { message: "Must specify a policy ID to delete" } });
    });
  });
});
