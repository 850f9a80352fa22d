import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, gateway, loadApis, upstreamUrl } from "../support/gateway";

/*
 * Tyk's own sample definitions that use request-shaping fields, served with
 * their upstreams pointed at the loopback echo server: the feature each one
 * exercises in Tyk's CI works here too. Skipped (and said so) without
 * ../shared/tyk-samples beside the repository.
 */

const samples = import.meta.glob<{ default: Record<string, unknown> }>("../../../shared/tyk-samples/apps/eo-test-{biv-json,btl}.json", { eager: true });
const definitions = Object.values(samples).map((module) => module.default);
if (definitions.length === 0) console.info("tyk-sample-features: ../shared/tyk-samples not found beside the repository; skipping");

const onLoopback = (definition: Record<string, unknown>) => ({
  ...definition,
  proxy: { ...(definition.proxy as object), target_url: upstreamUrl() },
});

describe.skipIf(definitions.length !== 2)("Tyk's sample definitions with request-shaping fields", () => {
  beforeAll(async () => {
    await loadApis(...definitions.map(onLoopback));
  });

  it("eo-test-biv-json validates the body of POST validate against its schema", async () => {
    const post = (body: string) => gateway("/test-biv-json/validate", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect((await echoOf(await post('{"name":"Ada","age":36}'))).body).toBe('{"name":"Ada","age":36}');
    const missing = await post('{"age":36}');
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("name is required");
    expect((await post("{not json")).status).toBe(400);
  });

  it("eo-test-btl refuses a POST body over its 10-byte size limit", async () => {
    const post = (body: string) => gateway("/test-btl/anything", { method: "POST", body });
    expect((await post("0123456789")).status).toBe(200);
    const tooLarge = await post("0123456789A");
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.text()).toContain("Request is too large");
  });
});
