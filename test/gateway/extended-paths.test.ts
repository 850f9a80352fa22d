import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, gateway, keylessApi, loadApis, tykError } from "../support/gateway";

const version = (extended_paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths, ...extra } } },
});

describe("extended paths of a version", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({
        api_id: "white",
        proxy: { listen_path: "/white/" },
        ...version({
          white_list: [
            { path: "/users/{id}", method_actions: { GET: { action: "no_action", code: 200, data: "", headers: {} } } },
            { path: "/mocked", method_actions: { GET: { action: "reply", code: 201, data: '{"mock":true}', headers: { "x-mock": "yes" } } } },
          ],
        }),
      }),
      keylessApi({
        api_id: "black",
        proxy: { listen_path: "/black/" },
        ...version({ black_list: [{ path: "/admin", method: "DELETE" }, { path: "/secret/.*" }] }),
      }),
      keylessApi({
        api_id: "case",
        proxy: { listen_path: "/case/" },
        ...version({
          black_list: [
            { path: "/Private", ignore_case: true },
            { path: "/off", disabled: true },
          ],
        }),
      }),
      keylessApi({
        api_id: "rewrite",
        proxy: { listen_path: "/rewrite/" },
        ...version(
          {
            url_rewrites: [
              { path: "/old/{id}", method: "GET", match_pattern: "^/old/(\\w+)$", rewrite_to: "/new/$1" },
              { path: "/query", method: "GET", match_pattern: "^/query$", rewrite_to: "/target?from=rewrite" },
            ],
          },
          { global_headers: { "x-injected": "by-gateway" }, global_headers_remove: ["x-drop-me"] },
        ),
      }),
    );
  });

  it("lets white-listed paths through, with {id} matching one segment", async () => {
    const echo = await echoOf(await gateway("/white/users/42"));
    expect(echo.path).toBe("/users/42");
  });

  it("forbids paths that are not white-listed", async () => {
    const response = await gateway("/white/users/42/orders");
    expect(response.status).toBe(403);
    expect(await tykError(response)).toBe("Requested endpoint is forbidden");
  });

  it("forbids white-listed paths with a method not listed", async () => {
    expect((await gateway("/white/users/42", { method: "POST" })).status).toBe(403);
  });

  it("answers mock replies without calling the upstream", async () => {
    const response = await gateway("/white/mocked");
    expect(response.status).toBe(201);
    expect(response.headers.get("x-mock")).toBe("yes");
    expect(response.headers.get("x-upstream")).toBeNull();
    expect(await response.text()).toBe('{"mock":true}');
  });

  it("blocks black-listed paths for their method only", async () => {
    const blocked = await gateway("/black/admin", { method: "DELETE" });
    expect(blocked.status).toBe(403);
    expect(await tykError(blocked)).toBe("Requested endpoint is forbidden");
    expect((await gateway("/black/admin")).status).toBe(200);
  });

  it("treats paths as regular expressions", async () => {
    expect((await gateway("/black/secret/anything")).status).toBe(403);
    expect((await gateway("/black/secretive")).status).toBe(200);
  });

  it("honours ignore_case and disabled entries", async () => {
    expect((await gateway("/case/private")).status).toBe(403);
    expect((await gateway("/case/off")).status).toBe(200);
  });

  it("rewrites the path with capture groups", async () => {
    const echo = await echoOf(await gateway("/rewrite/old/abc?keep=1"));
    expect(echo.path).toBe("/new/abc?keep=1");
  });

  it("uses the rewrite's query string when it sets one", async () => {
    const echo = await echoOf(await gateway("/rewrite/query?dropped=1"));
    expect(echo.path).toBe("/target?from=rewrite");
  });

  it("applies the version's global headers to the upstream request", async () => {
    const echo = await echoOf(await gateway("/rewrite/h", { headers: { "x-drop-me": "1", "x-injected": "client" } }));
    expect(echo.headers["x-injected"]).toBe("by-gateway");
    expect(echo.headers["x-drop-me"]).toBeUndefined();
  });
});
