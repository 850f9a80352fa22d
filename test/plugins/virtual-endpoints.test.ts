import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, keylessApi, loadApis, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { gatewayWith, type Send } from "./support/registry";

/*
 * extended_paths.virtual answered by registered plugins: Tyk's {Body, Headers,
 * Code} reply, the session only with use_session, proxy_on_error sending the
 * request upstream when the function fails, and a missing function refusing
 * the API instead of falling through to the upstream.
 */

const virtual = (path: string, name: string, extra: Record<string, unknown> = {}) => ({
  path,
  method: "GET",
  response_function_name: name,
  function_source_type: "file",
  function_source_uri: "middleware/virtual.js",
  ...extra,
});

const virtualApi = (id: string, entries: unknown[], extra: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: id,
    name: id,
    proxy: { listen_path: `/${id}/` },
    config_data: { greeting: "hi" },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: { virtual: entries } } } },
    ...extra,
  });

describe("virtual endpoints", () => {
  let send: Send;
  let key: string;

  beforeAll(async () => {
    key = await createKey({ alias: "bob", ...accessTo("v-keyed") });
    await loadApis(
      virtualApi("v-open", [
        virtual("/hello", "hello"),
        virtual("/fails", "failingVirtual"),
        virtual("/fails-proxied", "failingVirtual", { proxy_on_error: true }),
        virtual("/bad-reply", "badReplyVirtual", { proxy_on_error: false }),
        virtual("/off", "hello", { disabled: true }),
      ]),
      virtualApi("v-keyed", [virtual("/with", "hello", { use_session: true }), virtual("/without", "hello")], {
        use_keyless: false,
        auth: { auth_header_name: "authorization" },
      }),
      virtualApi("v-missing", [virtual("/x", "noSuchFunction")]),
    );
    send = gatewayWith();
  });

  it("answers with the function's Code, Headers and Body, never reaching the upstream", async () => {
    const response = await send("/v-open/hello");
    expect(response.status).toBe(202);
    expect(response.headers.get("x-virtual")).toBe("hello");
    expect(response.headers.get("x-upstream")).toBeNull();
    expect(await response.json()).toEqual({ path: "/hello", session: null, config: "hi" });
  });

  it("only matches its method and path, and not while disabled", async () => {
    expect((await echoOf(await send("/v-open/hello", { method: "POST", body: "x" }))).path).toBe("/hello");
    expect((await echoOf(await send("/v-open/off"))).path).toBe("/off");
  });

  it("hands the session over only with use_session", async () => {
    const withSession = await send("/v-keyed/with", { headers: { authorization: key } });
    expect(((await withSession.json()) as { session: string }).session).toBe("bob");
    const without = await send("/v-keyed/without", { headers: { authorization: key } });
    expect(((await without.json()) as { session: string | null }).session).toBeNull();
    expect((await send("/v-keyed/with")).status).toBe(401);
  });

  it("answers 500 when the function fails or replies out of shape, and proxies instead with proxy_on_error", async () => {
    const failed = await send("/v-open/fails");
    expect(failed.status).toBe(500);
    expect(await tykError(failed)).toBe("Middleware error");
    expect((await send("/v-open/bad-reply")).status).toBe(500);
    expect((await echoOf(await send("/v-open/fails-proxied"))).path).toBe("/fails-proxied");
  });

  it("does not serve an API whose function is not registered", async () => {
    const response = await send("/v-missing/x");
    expect(response.status).toBe(500);
    expect(await tykError(response)).toContain("noSuchFunction");
  });
});
