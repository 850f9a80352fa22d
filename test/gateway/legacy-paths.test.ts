import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, tykError } from "../support/gateway";

/*
 * A version with `use_extended_paths: false` uses its legacy `paths` lists
 * (Tyk's getPathSpecs in gateway/api_definition.go): plain path patterns for
 * every method, ignored → black → white, the first match deciding.
 */

const legacy = (paths: Record<string, string[]>, extra: Record<string, unknown> = {}) => ({
  version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: false, paths, ...extra } } },
});

async function expectForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(await tykError(response)).toBe("Requested endpoint is forbidden");
}

describe("legacy path lists", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({ api_id: "lg-black", proxy: { listen_path: "/lg-black/" }, ...legacy({ black_list: ["/admin", "/secret/.*"] }) }),
      keylessApi({ api_id: "lg-white", proxy: { listen_path: "/lg-white/" }, ...legacy({ white_list: ["/users/{id}"] }) }),
      keylessApi({ api_id: "lg-order", proxy: { listen_path: "/lg-order/" }, ...legacy({ ignored: ["/both"], black_list: ["/both", "/blocked"] }) }),
      keylessApi({
        api_id: "lg-ignored",
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: "/lg-ignored/" },
        ...legacy({ ignored: ["/health"] }),
      }),
      keylessApi({
        api_id: "lg-not-extended",
        proxy: { listen_path: "/lg-not-extended/" },
        ...legacy({ black_list: [] }, { extended_paths: { black_list: [{ path: "/ext" }] } }),
      }),
      keylessApi({
        api_id: "lg-extended",
        proxy: { listen_path: "/lg-extended/" },
        version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, paths: { black_list: ["/admin"] } } } },
      }),
    );
  });

  it("black_list forbids its paths for every method, as regular expressions", async () => {
    await expectForbidden(await gateway("/lg-black/admin"));
    await expectForbidden(await gateway("/lg-black/admin", { method: "DELETE" }));
    await expectForbidden(await gateway("/lg-black/secret/anything"));
    expect((await echoOf(await gateway("/lg-black/public"))).path).toBe("/public");
    expect((await gateway("/lg-black/administrator")).status).toBe(200);
  });

  it("white_list turns on allow-list mode, {id} matching one segment", async () => {
    expect((await echoOf(await gateway("/lg-white/users/42"))).path).toBe("/users/42");
    expect((await gateway("/lg-white/users/42", { method: "POST" })).status).toBe(200);
    await expectForbidden(await gateway("/lg-white/users/42/orders"));
    await expectForbidden(await gateway("/lg-white/other"));
  });

  it("checks ignored before black_list", async () => {
    expect((await gateway("/lg-order/both")).status).toBe(200);
    await expectForbidden(await gateway("/lg-order/blocked"));
  });

  it("ignored paths skip authentication; other paths still need a key", async () => {
    expect((await echoOf(await gateway("/lg-ignored/health"))).path).toBe("/health");
    const other = await gateway("/lg-ignored/other");
    expect(other.status).toBe(401);
    expect(await tykError(other)).toBe("Authorization field missing");
  });

  it("leaves extended_paths lists unused when use_extended_paths is false", async () => {
    expect((await gateway("/lg-not-extended/ext")).status).toBe(200);
  });

  it("leaves the legacy lists unused when use_extended_paths is true", async () => {
    expect((await gateway("/lg-extended/admin")).status).toBe(200);
  });
});

describe("legacy path list definitions", () => {
  it("refuses legacy lists on a version that does not say use_extended_paths, naming the flag", async () => {
    const definition = keylessApi({
      api_id: "lg-ambiguous",
      proxy: { listen_path: "/lg-ambiguous/" },
      version_data: { not_versioned: true, versions: { Default: { name: "Default", paths: { black_list: ["/admin"] } } } },
    });
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("versions.Default.use_extended_paths");
  });

  it("accepts a version without the flag whose legacy lists are empty", async () => {
    const definition = keylessApi({
      api_id: "lg-empty",
      proxy: { listen_path: "/lg-empty/" },
      version_data: { not_versioned: true, versions: { Default: { name: "Default", paths: { ignored: [], white_list: [], black_list: [] } } } },
    });
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(200);
    expect((reply.body as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it("refuses a legacy path that is not a valid pattern, naming the entry", async () => {
    const reply = await admin(
      "POST",
      "/apis",
      keylessApi({ api_id: "lg-bad", proxy: { listen_path: "/lg-bad/" }, ...legacy({ black_list: ["/ok", "/bad("] }) }),
    );
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("paths.black_list.1");
  });
});
