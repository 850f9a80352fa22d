import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, reload, upstreamUrl } from "../support/gateway";
import { tykErrorMessage } from "./support/verdicts";

/*
 * The smallest inputs the fuzzers found that crashed the gateway, replayed on
 * every run: each one names the answer it must get instead of a 500.
 */

const api = (id: string, fields: Record<string, unknown>) =>
  keylessApi({ api_id: id, name: id, proxy: { listen_path: `/${id}/`, target_url: `${upstreamUrl()}/fuzz`, strip_listen_path: true }, ...fields });

const version = (fields: Record<string, unknown>) => ({ not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, ...fields } } });

beforeAll(async () => {
  await loadApis(
    api("cookie-key", { use_keyless: false, use_standard_auth: true, auth: { use_cookie: true, cookie_name: "session" } }),
    api("hmac", { use_keyless: false, enable_signature_checking: true }),
    api("odd-request-headers", {
      version_data: version({ global_headers: { " ": "x", "X-Emoji": "🔑", "X-Ok": "kept" }, global_headers_remove: ["toString _"] }),
    }),
    api("odd-response-headers", {
      version_data: version({
        global_response_headers: { "X-Emoji": "🔑", "bad name": "x", "X-Ok": "kept" },
        extended_paths: { transform_headers: [{ path: "/", method: "GET", add_headers: { "X-Added": "yes" }, delete_headers: ["("] }] },
      }),
    }),
  );
  const hmacKey = { org_id: "default", access_rights: { hmac: { api_id: "hmac", versions: ["Default"] } }, hmac_enabled: true, hmac_string: "secret" };
  expect((await admin("POST", "/keys/hmac-user", hmacKey)).status).toBe(200);
});

describe("inputs the fuzzers found", () => {
  it("a key cookie that is not percent-encoding (`session=%`) is refused, not a 500", async () => {
    const response = await gateway("/cookie-key/x", { headers: { cookie: "session=%" } });
    expect(response.status).toBe(403);
  });

  it("an HMAC signature listing a header name that cannot exist is Tyk's 400, not a 500", async () => {
    const authorization = 'Signature keyId="hmac-user",algorithm="hmac-sha256",headers="(",signature="c2lnbmF0dXJl"';
    const response = await gateway("/hmac/x", { headers: { authorization, date: new Date().toUTCString() } });
    expect(response.status).toBe(400);
    expect(tykErrorMessage({ status: 400, headers: response.headers, text: await response.text(), ms: 0, cause: "" })).toBe(
      "Authorization field missing, malformed or invalid",
    );
  });

  it("request header changes with names or values no header can carry are left out; the rest apply", async () => {
    const echo = await echoOf(await gateway("/odd-request-headers/x"));
    expect(echo.headers["x-ok"]).toBe("kept");
    expect(echo.headers["x-emoji"]).toBeUndefined();
  });

  it("response header changes with names or values no header can carry are left out; the rest apply", async () => {
    const response = await gateway("/odd-response-headers/");
    expect((await echoOf(response.clone())).headers["x-added"]).toBe("yes");
    expect(response.headers.get("x-ok")).toBe("kept");
    expect(response.headers.has("x-emoji")).toBe(false);
  });

  it("null `extended_paths.cache`, `virtual` and `cache_options` lists are accepted as empty, not a compile crash", async () => {
    const definition = api("null-lists", {
      cache_options: { enable_cache: true, cache_by_headers: null, cache_response_codes: null },
      version_data: version({ extended_paths: { cache: null, advance_cache_config: null, virtual: null } }),
    });
    expect((await admin("POST", "/apis", definition)).status).toBe(200);
    await reload();
    expect((await gateway("/null-lists/x")).status).toBe(200);
  });
});
