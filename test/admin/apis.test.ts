import { beforeEach, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, store } from "../support/gateway";

const malformed = { status: "error", message: "Request malformed" };
const notFound = { status: "error", message: "API not found" };

describe("/tyk/apis", () => {
  beforeEach(async () => {
    await loadApis(keylessApi());
  });

  it("lists stored definitions exactly as stored, unknown fields kept", async () => {
    const extra = keylessApi({ api_id: "extra", proxy: { listen_path: "/extra/" }, custom_plugin_field: { kept: [1, 2] } });
    await store().put("apis", "extra", extra);
    const reply = await admin("GET", "/apis");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(expect.arrayContaining([keylessApi(), extra]));
    expect(reply.body).toHaveLength(2);
  });

  it("gets one definition or answers 404 API not found", async () => {
    expect(await admin("GET", "/apis/keyless")).toMatchObject({ status: 200, body: keylessApi() });
    expect(await admin("GET", "/apis/missing")).toMatchObject({ status: 404, body: notFound });
  });

  it("adds a definition, storing the raw document rather than the parsed one", async () => {
    const definition = keylessApi({ api_id: "fresh", proxy: { listen_path: "/fresh/" }, x_vendor: "kept" });
    const reply = await admin("POST", "/apis", definition);
    expect(reply).toMatchObject({ status: 200, body: { key: "fresh", status: "ok", action: "added" } });
    expect(await store().get("apis", "fresh")).toEqual(definition);
  });

  it("serves a new definition only after /tyk/reload, as Tyk does", async () => {
    expect((await gateway("/keyless/warm")).status).toBe(200);
    await admin("POST", "/apis", keylessApi({ api_id: "later", proxy: { listen_path: "/later/" } }));
    expect((await gateway("/later/x")).status).toBe(404);
    await admin("GET", "/reload");
    expect((await echoOf(await gateway("/later/x"))).path).toBe("/x");
  });

  it("modifies an existing definition with PUT", async () => {
    const changed = keylessApi({ name: "Renamed" });
    const reply = await admin("PUT", "/apis/keyless", changed);
    expect(reply).toMatchObject({ status: 200, body: { key: "keyless", status: "ok", action: "modified" } });
    expect(await store().get("apis", "keyless")).toEqual(changed);
  });

  it("answers PUT of an unknown id with 404 instead of creating it", async () => {
    const reply = await admin("PUT", "/apis/ghost", keylessApi({ api_id: "ghost" }));
    expect(reply).toMatchObject({ status: 404, body: notFound });
    expect(await store().get("apis", "ghost")).toBeNull();
  });

  it("refuses a PUT whose body names another api_id", async () => {
    const reply = await admin("PUT", "/apis/keyless", keylessApi({ api_id: "other" }));
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ status: "error", message: "Request APIID does not match that in Definition! For Update operations these must match." });
  });

  it("refuses PUT and DELETE without an id", async () => {
    expect(await admin("PUT", "/apis", keylessApi())).toMatchObject({ status: 400, body: { message: "Must specify an apiID to update" } });
    expect(await admin("DELETE", "/apis")).toMatchObject({ status: 400, body: { message: "Must specify an apiID to delete" } });
  });

  it("deletes a definition, then answers 404 for it", async () => {
    expect(await admin("DELETE", "/apis/keyless")).toMatchObject({ status: 200, body: { key: "keyless", status: "ok", action: "deleted" } });
    expect(await store().get("apis", "keyless")).toBeNull();
    expect(await admin("DELETE", "/apis/keyless")).toMatchObject({ status: 404, body: notFound });
  });

  describe("bad input is a 400 naming the problem, never a 5xx", () => {
    it.each([
      ["malformed JSON", "{not json"],
      ["an empty body", ""],
      ["a JSON array", "[]"],
      ["a JSON string", '"api"'],
    ])("%s → Request malformed", async (_, body) => {
      expect(await admin("POST", "/apis", body)).toMatchObject({ status: 400, body: malformed });
    });

    it("names api_id when it is missing or unusable", async () => {
      const { api_id: _, ...withoutId } = keylessApi();
      const missing = await admin("POST", "/apis", withoutId);
      expect(missing).toMatchObject({ status: 400, body: { status: "error", message: "Invalid API ID: api_id is required" } });
      const slashed = await admin("POST", "/apis", keylessApi({ api_id: "a/b" }));
      expect(slashed.status).toBe(400);
      expect((slashed.body as { message: string }).message).toMatch(/^Invalid API ID: api_id must not contain '\/'/);
      const numeric = await admin("POST", "/apis", keylessApi({ api_id: 7 }));
      expect(numeric).toMatchObject({ status: 400, body: { message: "Invalid API ID: api_id is required" } });
    });

    it("names the field path of a schema error", async () => {
      const reply = await admin("POST", "/apis", keylessApi({ proxy: { target_url: "not a url" } }));
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ status: "error", message: "Validation of API Definition failed. Reason: proxy.target_url: must be an absolute URL." });
    });

    it("names a field of the wrong type", async () => {
      const reply = await admin("POST", "/apis", keylessApi({ use_keyless: "yes" }));
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(/Reason: use_keyless: .*boolean/);
    });

    it("stores nothing when validation fails", async () => {
      await admin("POST", "/apis", keylessApi({ api_id: "broken", proxy: { listen_path: "no-slash" } }));
      expect(await store().get("apis", "broken")).toBeNull();
    });
  });
});
