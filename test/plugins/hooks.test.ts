import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { echoOf, keylessApi, loadApis, store, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { gatewayWith, type Send } from "./support/registry";

/*
 * Every custom_middleware hook at its place in the chain: pre before auth (no
 * session, may answer without a key), post_key_auth with the session and its
 * policies, post after URL rewrites, response on the upstream's answer; early
 * answers, and a plugin that throws.
 */

const rewrites = [{ path: "/old", method: "GET", match_pattern: "/old", rewrite_to: "/new", triggers: [] }];

const hooksApi = (id: string, custom_middleware: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: id,
    name: id,
    proxy: { listen_path: `/${id}/` },
    custom_middleware: { driver: "grpc", ...custom_middleware },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: { url_rewrites: rewrites } } } },
    ...extra,
  });

describe("plugin hooks", () => {
  let send: Send;
  let key: string;

  beforeAll(async () => {
    await store().put("policies", "hooks-tier", { id: "hooks-tier", org_id: "default", rate: 1000, per: 1, quota_max: -1, ...accessTo("keyed") });
    key = await createKey({ alias: "alice", apply_policies: ["hooks-tier"], meta_data: { tier: "gold" } });
    await loadApis(
      hooksApi(
        "keyed",
        { pre: [{ name: "seePre" }], post_key_auth: [{ name: "seePostKeyAuth" }], post: [{ name: "seePost" }] },
        { use_keyless: false, auth: { auth_header_name: "authorization" } },
      ),
      hooksApi("wrapped", { response: [{ name: "wrapResponse" }] }),
      hooksApi("replaced", { response: [{ name: "replaceResponse" }] }),
      hooksApi("throws", { pre: [{ name: "boom" }] }),
      hooksApi("in-order", { pre: [{ name: "seePre" }, { name: "boom" }] }),
    );
    send = gatewayWith();
  });

  afterEach(() => vi.restoreAllMocks());

  it("runs pre hooks before authentication: no session, and an early answer needs no key", async () => {
    const early = await send("/keyed/x", { headers: { "x-answer-early": "1" } });
    expect(early.status).toBe(418);
    expect(early.headers.get("x-by")).toBe("pre");
    expect(await early.text()).toBe("answered by pre");
    expect((await send("/keyed/x")).status).toBe(401);
  });

  it("gives post_key_auth the session with its policies, and post the rewritten path and meta data set earlier", async () => {
    const echo = await echoOf(await send("/keyed/old", { headers: { authorization: key } }));
    expect(echo.headers["x-pre-saw-session"]).toBe("no");
    expect(echo.headers["x-post-key-auth-saw"]).toBe("alice|hooks-tier|gold");
    expect(echo.headers["x-post-saw-path"]).toBe("/new");
    expect(echo.headers["x-post-saw-meta"]).toBe("plugin");
    expect(echo.path).toBe("/new?added=1");
  });

  it("lets post hooks replace the body the upstream receives", async () => {
    const echo = await echoOf(await send("/keyed/body", { method: "POST", headers: { authorization: key }, body: "hello" }));
    expect(echo.body).toBe("HELLO");
    expect(echo.headers["content-length"]).toBe("5");
  });

  it("lets response hooks read and change the upstream's answer", async () => {
    const response = await send("/wrapped/y");
    expect(response.status).toBe(203);
    expect(response.headers.get("x-wrapped")).toBe("yes");
    const body = (await response.json()) as { wrapped: { path: string } };
    expect(body.wrapped.path).toBe("/y");
  });

  it("lets a response hook replace the answer", async () => {
    const response = await send("/replaced/y");
    expect(response.status).toBe(299);
    expect(await response.text()).toBe("replaced");
  });

  it("answers Tyk's 500 when a plugin throws, logs its name and stack, and serves the next request", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const failed = await send("/throws/z", { headers: { "x-boom": "1" } });
    expect(failed.status).toBe(500);
    expect(await tykError(failed)).toBe("Middleware error");
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === "plugin failed");
    expect(logged).toMatchObject({ plugin: "boom", hook: "pre", error: "Error: kaboom", api_id: "throws" });
    expect(String(logged?.stack)).toContain("kaboom");
    expect((await echoOf(await send("/throws/z"))).path).toBe("/z");
  });

  it("runs a position's plugins in order and stops at the first answer", async () => {
    const early = await send("/in-order/x", { headers: { "x-answer-early": "1", "x-boom": "1" } });
    expect(early.status).toBe(418);
    const failed = await send("/in-order/x", { headers: { "x-boom": "1" } });
    expect(failed.status).toBe(500);
  });
});
