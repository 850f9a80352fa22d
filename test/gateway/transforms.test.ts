import { createExecutionContext, env } from "cloudflare:test";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { Feature } from "../../src/chain/feature";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { authentication } from "../../src/features/auth";
import { contextVars } from "../../src/features/context-vars";
import { globalHeaders } from "../../src/features/global-headers";
import { methodTransform } from "../../src/features/method-transform";
import { responseHeaders } from "../../src/features/response-headers";
import { transformHeaders } from "../../src/features/transform-headers";
import { rewriteUrl } from "../../src/features/url-rewrite";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { echoOf, keylessApi, loadApis, store, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";

/*
 * Request shaping through a gateway whose pipeline has the features where Tyk
 * runs them: context variables before authentication; global headers, endpoint
 * header transforms, the response header injector and method transforms just
 * before URL rewrites. Valid before and after they join src/pipeline.ts.
 */

const shaping: Feature[] = [globalHeaders, transformHeaders, responseHeaders, methodTransform];
const ours = new Set([contextVars, ...shaping].map((feature) => feature.name));

function withShaping(): Feature[] {
  const others = pipeline.filter((feature) => !ours.has(feature.name));
  const auth = others.indexOf(authentication);
  const withVars = [...others.slice(0, auth), contextVars, ...others.slice(auth)];
  const rewrite = withVars.indexOf(rewriteUrl);
  return [...withVars.slice(0, rewrite), ...shaping, ...withVars.slice(rewrite)];
}

type Send = (path: string, init?: RequestInit) => Promise<Response>;

function gatewayWith(features: Feature[]): Send {
  const bindings = { ...env };
  const gateway = createGateway(bindings, features);
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

const jwtSecret = "a-shared-hmac-secret-of-32-bytes!";

const api = (id: string, extendedPaths: Record<string, unknown>, version: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: id,
    name: id,
    proxy: { listen_path: `/${id}/` },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: extendedPaths, ...version } } },
    ...fields,
  });

const apis = [
  api(
    "shape",
    {
      transform_headers: [
        { path: "/disabled", method: "GET", disabled: true, add_headers: { "x-disabled": "1" } },
        {
          path: "/headers/{id}",
          method: "GET",
          delete_headers: ["x-secret"],
          add_headers: {
            "x-client": "client=$tyk_context.headers_X_Client_Name",
            "x-parts": "$tyk_context.path_parts",
            "x-cookie": "$tyk_context.cookies_session_id",
            "x-ip": "$tyk_context.remote_addr",
            "x-request-id": "$tyk_context.request_id",
            "x-unknown": "[$tyk_context.nothing_here]",
          },
        },
        { path: "/headers/{id}", method: "POST", add_headers: { "x-posted": "yes" } },
        { path: "/form", method: "POST", add_headers: { "x-name": "$tyk_context.request_data_name", "x-form": "$tyk_context.request_data" } },
        { path: "/disabled", method: "GET", add_headers: { "x-second": "first match wins" } },
        { path: "/disabled", method: "GET", add_headers: { "x-third": "shadowed" } },
      ],
      transform_response_headers: [
        { path: "/respond-headers", method: "GET", delete_headers: ["x-upstream-secret"], add_headers: { "x-seen-path": "$tyk_context.path" } },
      ],
      method_transforms: [
        { path: "/method", method: "GET", to_method: "post" },
        { path: "/method-off", method: "GET", to_method: "POST", disabled: true },
        { path: "/method-head", method: "GET", to_method: "HEAD" },
      ],
    },
    {
      global_headers: { "x-global": "g", "x-global-path": "$tyk_context.path" },
      global_headers_remove: ["x-remove-me"],
      global_response_headers: { "x-global-response": "gr" },
      global_response_headers_remove: ["x-upstream-global"],
    },
    { enable_context_vars: true },
  ),
  api("rewritten", {
    url_rewrites: [{ path: "/old", method: "GET", match_pattern: "^/old$", rewrite_to: "/respond-headers?x-from=upstream" }],
    transform_response_headers: [{ path: "/old", method: "GET", add_headers: { "x-matched": "arrival path" } }],
    method_transforms: [{ path: "/old", method: "GET", to_method: "PATCH" }],
  }),
  api("novars", { transform_headers: [{ path: "/h", method: "GET", add_headers: { "x-path": "<$tyk_context.path>", "x-meta": "<$tyk_meta.plan>" } }] }),
  api(
    "off",
    {},
    { global_headers: { "x-global": "g" }, global_headers_disabled: true, global_response_headers: { "x-r": "r" }, global_response_headers_disabled: true },
  ),
  api(
    "noext",
    { transform_headers: [{ path: "/h", method: "GET", add_headers: { "x-endpoint": "1" } }] },
    { use_extended_paths: false, global_headers: { "x-global": "g" } },
  ),
  api(
    "processor",
    {},
    {},
    {
      response_processors: [{ name: "header_injector", options: { add_headers: { "x-proc": "$tyk_context.path" }, remove_headers: ["x-upstream-proc"] } }],
      enable_context_vars: true,
    },
  ),
  api(
    "keyed",
    {
      transform_headers: [
        { path: "/me", method: "GET", add_headers: { "x-plan": "$tyk_meta.plan", "x-seats": "$tyk_meta.seats", "x-token": "$tyk_context.token" } },
      ],
    },
    {},
    { use_keyless: false, use_standard_auth: true, enable_context_vars: true },
  ),
  api(
    "jwt",
    { transform_headers: [{ path: "/me", method: "GET", add_headers: { "x-sub": "$tyk_context.jwt_claims_sub", "x-alg": "$tyk_context.jwt_claims_alg" } }] },
    {},
    {
      use_keyless: false,
      enable_jwt: true,
      jwt_signing_method: "hmac",
      jwt_source: btoa(jwtSecret),
      jwt_default_policies: ["shape-jwt"],
      enable_context_vars: true,
    },
  ),
];

const apiNamed = (id: string) => apis.find((definition) => definition.api_id === id)!;

describe("request shaping", () => {
  let send: Send;
  let key: string;

  beforeAll(async () => {
    await store().put("policies", "shape-jwt", { id: "shape-jwt", org_id: "default", access_rights: accessTo("jwt").access_rights });
    await loadApis(...apis);
    key = await createKey({ ...accessTo("keyed"), meta_data: { plan: "gold", seats: 12 } });
    send = gatewayWith(withShaping());
  });

  describe("request header transforms", () => {
    it("deletes and adds the matching endpoint's headers, expanding context variables", async () => {
      const echo = await echoOf(
        await send("/shape/headers/7", { headers: { "x-secret": "s", "x-client-name": "acme", cookie: "session-id=abc", "cf-connecting-ip": "203.0.113.5" } }),
      );
      expect(echo.headers["x-secret"]).toBeUndefined();
      expect(echo.headers["x-client"]).toBe("client=acme");
      expect(echo.headers["x-parts"]).toBe("shape,headers,7");
      expect(echo.headers["x-cookie"]).toBe("abc");
      expect(echo.headers["x-ip"]).toBe("203.0.113.5");
      expect(echo.headers["x-request-id"]).toMatch(/\S/);
      expect(echo.headers["x-unknown"]).toBe("[]");
    });

    it("matches the entry's method only", async () => {
      const posted = await echoOf(await send("/shape/headers/7", { method: "POST", headers: { "x-secret": "s" } }));
      expect(posted.headers["x-posted"]).toBe("yes");
      expect(posted.headers["x-secret"]).toBe("s");
      expect(posted.headers["x-client"]).toBeUndefined();
      const other = await echoOf(await send("/shape/other"));
      expect(other.headers["x-client"]).toBeUndefined();
    });

    it("skips disabled entries and applies only the first match", async () => {
      const echo = await echoOf(await send("/shape/disabled"));
      expect(echo.headers["x-disabled"]).toBeUndefined();
      expect(echo.headers["x-second"]).toBe("first match wins");
      expect(echo.headers["x-third"]).toBeUndefined();
    });

    it("applies the version's global headers, expanded, before the endpoint's", async () => {
      const echo = await echoOf(await send("/shape/anything", { headers: { "x-remove-me": "1" } }));
      expect(echo.headers["x-global"]).toBe("g");
      expect(echo.headers["x-global-path"]).toBe("/shape/anything");
      expect(echo.headers["x-remove-me"]).toBeUndefined();
    });

    it("gives request_data from a form body (still sent upstream whole) and the query", async () => {
      const body = "name=form+value&list=1&list=2";
      const response = await send("/shape/form?page=3", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
      const echo = await echoOf(response);
      expect(echo.body).toBe(body);
      expect(echo.headers["x-name"]).toBe("form value");
      expect(echo.headers["x-form"]).toBe("name:form value;list:1,2;page:3");
    });

    it("reads no body that is not form-encoded", async () => {
      const response = await send("/shape/form?name=q", { method: "POST", headers: { "content-type": "text/plain" }, body: "name=body" });
      const echo = await echoOf(response);
      expect(echo.body).toBe("name=body");
      expect(echo.headers["x-name"]).toBe("q");
    });

    it("empties $tyk_context variables when enable_context_vars is off, and $tyk_meta without a session", async () => {
      const echo = await echoOf(await send("/novars/h"));
      expect(echo.headers["x-path"]).toBe("<>");
      expect(echo.headers["x-meta"]).toBe("<>");
    });

    it("honours global_headers_disabled, and ignores endpoint entries when use_extended_paths is false", async () => {
      expect((await echoOf(await send("/off/h"))).headers["x-global"]).toBeUndefined();
      const noext = await echoOf(await send("/noext/h"));
      expect(noext.headers["x-endpoint"]).toBeUndefined();
      expect(noext.headers["x-global"]).toBe("g");
    });

    it("expands $tyk_meta from the key's meta_data and the token the auth step read", async () => {
      const echo = await echoOf(await send("/keyed/me", { headers: { authorization: key } }));
      expect(echo.headers["x-plan"]).toBe("gold");
      expect(echo.headers["x-seats"]).toBe("12");
      expect(echo.headers["x-token"]).toBe(key);
    });

    it("expands JWT claims and header fields after the JWT is verified", async () => {
      const token = await new SignJWT({ sub: "user-42" }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(jwtSecret));
      const echo = await echoOf(await send("/jwt/me", { headers: { authorization: `Bearer ${token}` } }));
      expect(echo.headers["x-sub"]).toBe("user-42");
      expect(echo.headers["x-alg"]).toBe("HS256");
    });
  });

  describe("response header transforms", () => {
    it("deletes and adds the endpoint's and the version's headers on the upstream's answer", async () => {
      const response = await send("/shape/respond-headers?x-upstream-secret=1&x-upstream-global=2&x-kept=3");
      expect(response.headers.get("x-upstream")).toBe("echo");
      expect(response.headers.get("x-upstream-secret")).toBeNull();
      expect(response.headers.get("x-upstream-global")).toBeNull();
      expect(response.headers.get("x-kept")).toBe("3");
      expect(response.headers.get("x-seen-path")).toBe("/shape/respond-headers");
      expect(response.headers.get("x-global-response")).toBe("gr");
      expect((await echoOf(response)).path).toBe("/respond-headers?x-upstream-secret=1&x-upstream-global=2&x-kept=3");
    });

    it("applies endpoint entries for their method only, the version's to every answer", async () => {
      const response = await send("/shape/respond-headers?x-upstream-secret=1", { method: "POST" });
      expect(response.headers.get("x-upstream-secret")).toBe("1");
      expect(response.headers.get("x-seen-path")).toBeNull();
      expect(response.headers.get("x-global-response")).toBe("gr");
    });

    it("leaves the gateway's own error answers alone", async () => {
      const response = await send("/shape/method-head");
      expect(response.status).toBe(405);
      expect(response.headers.get("x-global-response")).toBeNull();
    });

    it("honours global_response_headers_disabled", async () => {
      expect((await send("/off/x")).headers.get("x-r")).toBeNull();
    });

    it("applies a header_injector response processor's options", async () => {
      const response = await send("/processor/respond-headers?x-upstream-proc=1");
      expect(response.headers.get("x-upstream-proc")).toBeNull();
      expect(response.headers.get("x-proc")).toBe("/processor/respond-headers");
    });
  });

  it("matches response entries and method transforms on the path and method the request arrived with", async () => {
    const response = await send("/rewritten/old");
    expect(response.headers.get("x-from")).toBe("upstream");
    expect(response.headers.get("x-matched")).toBe("arrival path");
    const echo = await echoOf(response);
    expect(echo.path).toBe("/respond-headers?x-from=upstream");
    expect(echo.method).toBe("PATCH");
  });

  describe("method transforms", () => {
    it("sends the matching request upstream with to_method", async () => {
      expect((await echoOf(await send("/shape/method"))).method).toBe("POST");
      expect((await echoOf(await send("/shape/method", { method: "PUT", body: "x" }))).method).toBe("PUT");
      expect((await echoOf(await send("/shape/method-off"))).method).toBe("GET");
    });

    it("answers Tyk's 405 for a target Tyk does not allow, without calling the upstream", async () => {
      const response = await send("/shape/method-head");
      expect(response.status).toBe(405);
      expect(response.headers.get("x-upstream")).toBeNull();
      expect(await tykError(response)).toBe("Method not allowed");
    });
  });

  describe("chains", () => {
    const config = parseGatewayConfig({});
    const chainOf = (definition: Record<string, unknown>) => {
      const result = compileDefinition(definition, config, withShaping());
      if (!result.ok) throw new Error(result.error);
      return result.api.chain;
    };

    it("gives an API without these fields none of the steps", () => {
      const chain = chainOf(keylessApi());
      for (const name of ours) expect(chain).not.toContain(name);
    });

    it("gives an API each step only for the fields it sets", () => {
      expect(chainOf(apiNamed("shape"))).toEqual(expect.arrayContaining([...ours]));
      expect(chainOf(apiNamed("off"))).not.toContain("TransformHeaders (global)");
      expect(chainOf(apiNamed("off"))).not.toContain("ResponseHeaderInjector");
      expect(chainOf(apiNamed("noext"))).toEqual(expect.arrayContaining(["TransformHeaders (global)"]));
      expect(chainOf(apiNamed("noext"))).not.toContain("TransformHeaders");
      expect(chainOf(apiNamed("processor"))).toContain("ResponseHeaderInjector");
    });

    it("refuses bad entries with a message naming the field", () => {
      const result = compileDefinition(
        api(
          "bad",
          { transform_headers: [{ path: "/x", method: "GET", add_headers: { "x-a": 1 } }] },
          {},
          { response_processors: [{ name: "header_injector", options: { remove_headers: "x" } }] },
        ),
        config,
        withShaping(),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toContain("transform_headers");
      expect(result.error).toContain("remove_headers");
    });
  });
});
