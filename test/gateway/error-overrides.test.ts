import { beforeAll, describe, expect, inject, it } from "vitest";
import { byAgent, gatewayWith, recordsMatching, uniqueAgent } from "../analytics/support/records";
import { keylessApi, loadApis, upstreamUrl } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { gatewayRules, ownDefinitions, tlsSamples, type Definition } from "../support/error-override-fixtures";

/*
 * error_overrides through the real Worker, for every case Tyk's own
 * error-override CI runs (ci/tests/error-overrides): the gateway-wide rules
 * (TYK_GW_ERROROVERRIDES, test/support/error-override-fixtures.ts, the same flags and
 * shapes as that CI's tyk.conf) and each API's own. The cases run twice: on
 * the project's own definitions, and on Tyk's `eo-*` sample definitions
 * when ../shared/tyk-samples is beside the repository, every upstream pointed
 * at a loopback server.
 */

const samples = import.meta.glob<{ default: Definition }>("../../../shared/tyk-samples/apps/eo-test-*.json", { eager: true });
const sampleDefinitions = Object.values(samples).map((module) => module.default);
if (sampleDefinitions.length === 0) console.info("error-overrides: ../shared/tyk-samples not found beside the repository; sample definitions skipped");

const errorUpstream = () => inject("errorUpstreamUrl");
const echoHost = () => new URL(upstreamUrl()).host;

/** Each sample's upstream on loopback, reaching the same kind of failure where loopback can produce it. */
const loopbackTargets: Record<string, () => string> = {
  "test-ucf": () => "http://127.0.0.1:9",
  "test-upe": () => inject("malformedUpstreamUrl"),
  "test-urr": () => `${upstreamUrl()}/reset`,
  "test-urt": () => `${upstreamUrl()}/delay/3000`,
};

/** Samples whose failure needs a network loopback cannot give: an unroutable address, a DNS lookup, a client that hangs up, hosts down for uptime tests. */
const notOnLoopback = new Set(["test-uct", "test-nrh", "test-dns", "test-cdc", "test-nhu"]);

function onLoopback(definition: Definition): Definition {
  const proxy = definition.proxy as Record<string, unknown>;
  const id = String(definition.api_id);
  const target = String(proxy.target_url);
  const url =
    loopbackTargets[id]?.() ?? (target.startsWith("https:") ? `https://${echoHost()}` : target.includes("multi-error") ? errorUpstream() : upstreamUrl());
  return { ...definition, proxy: { ...proxy, target_url: url } };
}

const sources: [string, () => Definition[]][] = [["the project's definitions", ownDefinitions]];
if (sampleDefinitions.length > 0) {
  sources.push(["Tyk's eo-* sample definitions", () => sampleDefinitions.filter((d) => !notOnLoopback.has(String(d.api_id))).map(onLoopback)]);
}

type Send = (path: string, init?: RequestInit) => Promise<Response>;

async function expectOverride(response: Response, status: number, flag: string, bodyContains: string): Promise<string> {
  const body = await response.text();
  expect({ status: response.status, flag: response.headers.get("x-error-flag"), applied: response.headers.get("x-override-applied") }).toEqual({
    status,
    flag,
    applied: "true",
  });
  expect(body).toContain(bodyContains);
  return body;
}

async function hs256(secret: string, claims: Record<string, unknown>): Promise<string> {
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const input = `${part({ alg: "HS256", typ: "JWT" })}.${part(claims)}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input)));
  return `${input}.${btoa(String.fromCharCode(...signature))
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_")}`;
}

/** Sends until the answer carries `flag` (a limit or breaker that closes after a few requests), at most `tries` times. */
async function sendUntil(send: Send, path: string, flag: string, tries: number): Promise<Response> {
  let response = await send(path);
  for (let attempt = 1; attempt < tries && response.headers.get("x-error-flag") !== flag; attempt++) response = await send(path);
  return response;
}

describe.each(sources)("error_overrides on %s", (_source, definitions) => {
  let send: Send;
  beforeAll(async () => {
    await loadApis(...definitions());
    send = await gatewayWith({ TYK_GW_ERROROVERRIDES: JSON.stringify(gatewayRules), TYK_GW_PROXYDEFAULTTIMEOUT: "1" });
  });

  it("AMF: a missing credential (auth token, basic auth, JWT) gets the AMF rule, JWT's 400 turned into 401", async () => {
    for (const api of ["test-amf-authkey", "test-amf-basicauth", "test-amf-jwt"]) {
      await expectOverride(await send(`/${api}/get`), 401, "AMF", '"code": "AUTH_MISSING"');
    }
  });

  it("AKI: an unknown key gets the AKI rule", async () => {
    await expectOverride(await send("/test-aki/get", { headers: { authorization: "invalid-key-12345" } }), 403, "AKI", '"code": "KEY_INVALID"');
  });

  it("IHD: a malformed basic auth header gets the IHD rule", async () => {
    await expectOverride(await send("/test-ihd-basicauth/get", { headers: { authorization: "NotBasic xyz123" } }), 400, "IHD", "HEADER_MALFORMED");
  });

  it("TKI and TKE: an unreadable JWT and an expired one", async () => {
    await expectOverride(await send("/test-tki-jwt/get", { headers: { authorization: "Bearer invalid.jwt.token" } }), 403, "TKI", "TOKEN_INVALID");
    const expired = await hs256("tke-test-secret", { sub: "test", exp: 1_000_000_000 });
    await expectOverride(await send("/test-tke-jwt/get", { headers: { authorization: `Bearer ${expired}` } }), 403, "TKE", "TOKEN_EXPIRED");
  });

  it("OAuth bearer tokens: missing (AMF), not Bearer (IHD), unknown (AKI)", async () => {
    await expectOverride(await send("/test-amf-oauth/get"), 401, "AMF", "AUTH_MISSING");
    await expectOverride(await send("/test-ihd-oauth/get", { headers: { authorization: "Token abc123" } }), 400, "IHD", "HEADER_MALFORMED");
    await expectOverride(await send("/test-aki-oauth/get", { headers: { authorization: "Bearer unknown-token" } }), 403, "AKI", "KEY_INVALID");
  });

  it("QEX: a key over its quota gets the QEX rule", async () => {
    const key = await createKey({ ...accessTo("test-qex"), rate: 1000, per: 60, allowance: 1000, quota_max: 1, quota_remaining: 1, quota_renewal_rate: 3600 });
    const withKey = (path: string) => send(path, { headers: { authorization: key } });
    expect((await withKey("/test-qex/get")).status).toBe(200);
    await expectOverride(await withKey("/test-qex/get"), 403, "QEX", "QUOTA_LIMIT");
  });

  it("RLT: the API's rate limit gets the RLT rule with its Retry-After", async () => {
    const limited = await sendUntil(send, "/test-rlt/get", "RLT", 3);
    await expectOverride(limited, 429, "RLT", "RATE_LIMITED");
    expect(limited.headers.get("retry-after")).toBe("60");
  });

  it("BTL, CLM, BIV: size limits and body checks, BTL's 400 turned into 413", async () => {
    const post = (path: string, body: BodyInit, extra: RequestInit = {}) =>
      send(path, { method: "POST", headers: { "content-type": "application/json" }, body, ...extra } as RequestInit);
    const large = '{"data":"this is a very large body that exceeds the 10 byte limit"}';
    const withLength = { headers: { "content-type": "application/json", "content-length": String(large.length) } };
    await expectOverride(await post("/test-btl/post", large, withLength), 413, "BTL", "BODY_TOO_LARGE");
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"test":"data"}'));
        controller.close();
      },
    });
    await expectOverride(await post("/test-clm/post", chunked, { duplex: "half" } as RequestInit), 411, "CLM", "LENGTH_REQUIRED");
    await expectOverride(await post("/test-biv-json/validate", "{invalid json: missing quotes}"), 400, "BIV", "BODY_INVALID");
    await expectOverride(await post("/test-biv-schema/validate", '{"wrong_field": "value"}'), 422, "BIV", "SCHEMA_INVALID");
  });

  it("BIV with the API's rule naming a template file: the file is not on this gateway, so Tyk's error document with the check's own message", async () => {
    const post = (path: string, body: string) => send(path, { method: "POST", headers: { "content-type": "application/json" }, body });
    const parse = await expectOverride(
      await post("/test-biv-json-invalid-params/validate", "{invalid json: missing quotes}"),
      400,
      "BIV",
      "JSON parsing error",
    );
    expect(parse).not.toContain("&#39;");
    await expectOverride(await post("/test-biv-schema-invalid-params/validate", '{"wrong_field": "value"}'), 422, "BIV", "email");
  });

  it("upstream exchange failures: a refused connection, a reset, a non-HTTP answer (all UCF on workerd), TLS to a plain port (UPE), a timeout (URT)", async () => {
    for (const api of ["test-ucf", "test-urr", "test-upe"]) await expectOverride(await send(`/${api}/get`), 502, "UCF", "CONNECTION_FAILED");
    // workerd does not say why a TLS handshake failed: every certificate failure is UPE here, where Tyk tells TLE, TLI, TLM, TLN, TLH, TLP apart.
    for (const api of tlsSamples) await expectOverride(await send(`/${api}/get`), 502, "UPE", "PROTOCOL_ERROR");
    await expectOverride(await send("/test-urt/get"), 504, "URT", "REQUEST_TIMEOUT");
  });

  it("CBO: the open breaker's 503 gets the CBO rule", async () => {
    const open = await sendUntil(send, "/test-cbo/500", "CBO", 6);
    await expectOverride(open, 503, "CBO", "CIRCUIT_BREAKER");
    expect(open.headers.get("retry-after")).toBe("60");
  });

  it("an API's rule wins over the gateway's; the gateway's still answer what the API's do not match", async () => {
    const invalid = { headers: { authorization: "invalid-key-12345" } };
    await expectOverride(await send("/test-api-override-aki/get", invalid), 418, "AKI-API", "api_level_override");
    await expectOverride(await send("/test-api-override-aki/get"), 401, "AMF", "AUTH_MISSING");
  });

  it("error_overrides_disabled turns the API's rules off, not the gateway's", async () => {
    await expectOverride(await send("/test-api-override-disabled/get", { headers: { authorization: "invalid-key-12345" } }), 403, "AKI", "KEY_INVALID");
  });

  it("upstream answers: the API's rule by status, by body field with pattern, inline templates with JSON escaping", async () => {
    await expectOverride(await send("/test-api-override-upstream/404-json"), 420, "UPSTREAM-API", "api_level_upstream");
    // Tyk's sample pattern "Connection.*lost" is quadratic on JavaScript's engine: it never matches here (a warning says so), its body field still does.
    await expectOverride(await send("/test-api-override-upstream-match/500-complex"), 501, "UPSTREAM-MATCH-FIELD-VALUE-API", "override_all_match");
    expect(await expectOverride(await send("/edge-cases/500-template"), 501, "UPSTREAM-INLINE-TEMPLATE", "")).toBe('{"code": 501}');
    const escaped = await expectOverride(await send("/edge-cases/500-json-escape"), 502, "UPSTREAM-JSON-ESCAPED-INLINE-TEMPLATE", "");
    expect(escaped).toBe('{"error_detail": "Invalid token \\"abc\\"\\u000Aand some newlines"}');
  });

  it("a body field past the first 4 KB is not seen: the gateway's URS rule answers instead", async () => {
    const response = await send("/edge-cases/500-truncation");
    expect(response.status).toBe(503);
    expect(response.headers.get("x-error-flag")).toBe("URS");
    expect(await response.json()).toEqual({ error: "Upstream service error occurred" });
  });

  it("the gateway's upstream rules: URS for any 5xx, a JSON body field, a pattern (its template file missing: the upstream body stays), no match passes through", async () => {
    const urs = await expectOverride(await send("/test-upstream/5xx"), 503, "URS", "Upstream service error occurred");
    expect(JSON.parse(urs)).toEqual({ error: "Upstream service error occurred" });
    await expectOverride(await send("/test-upstream/404-json"), 404, "NOT_FOUND", "resource_not_found");
    await expectOverride(await send("/test-upstream/404-html"), 404, "PAGE_NOT_FOUND", "<h1>Page Not Found</h1>");
    const passed = await send("/test-upstream/400-nomatch");
    expect(passed.status).toBe(400);
    expect(passed.headers.get("x-override-applied")).toBeNull();
    expect(await passed.json()).toEqual({ error: "bad_request", message: "Invalid input" });
  });

  it("a successful answer is untouched", async () => {
    const ok = await send("/test-ok/get");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-override-applied")).toBeNull();
  });
});

/** A keyless API whose upstream refuses connections (a UCF 500), with these rules. */
const refused = (id: string, rules: Record<string, unknown>) =>
  keylessApi({ api_id: id, proxy: { listen_path: `/${id}/`, target_url: "http://127.0.0.1:9" }, error_overrides: rules });

describe("error_overrides and the rest of the chain", () => {
  let send: Send;
  beforeAll(async () => {
    const rules = { "403": [{ response: { status_code: 451, body: '{"overridden":true}', headers: { "X-Override-Applied": "true" } } }] };
    await loadApis(
      keylessApi({
        api_id: "eo-cors",
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: "/eo-cors/" },
        CORS: { enable: true, allowed_origins: ["https://app.example"] },
        error_overrides: rules,
      }),
      keylessApi({
        api_id: "eo-mock",
        proxy: { listen_path: "/eo-mock/", target_url: errorUpstream() },
        error_overrides: { "4xx": [{ response: { status_code: 499 } }] },
      }),
      keylessApi({ api_id: "eo-off", proxy: { listen_path: "/eo-off/", target_url: errorUpstream() } }),
      keylessApi({
        api_id: "eo-cached",
        proxy: { listen_path: "/eo-cached/", target_url: errorUpstream() },
        cache_options: { enable_cache: true, cache_timeout: 60, cache_all_safe_requests: true, cache_response_codes: [404] },
        error_overrides: { "404": [{ response: { status_code: 410, body: "gone" } }] },
      }),
      refused("eo-inline", {
        "500": [
          {
            match: { flag: "UCF" },
            response: {
              status_code: 502,
              message: 'Bad "gate" <way>',
              body: '{"status": {{.StatusCode}}, "message": "{{.Message}}", "params": "{{.InvalidParams}}"}',
            },
          },
        ],
      }),
      refused("eo-message", { "5xx": [{ response: { message: "Gateway unhappy" } }] }),
      refused("eo-headers", { "500": [{ response: { status_code: 503, headers: { "X-Only": "headers" } } }] }),
      keylessApi({
        api_id: "eo-pattern",
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: "/eo-pattern/" },
        error_overrides: { "403": [{ match: { flag: "QEX", message_pattern: "^Access to this API" }, response: { status_code: 401, body: "nope" } }] },
      }),
    );
    send = await gatewayWith({});
  });

  it("an inline template gets the status and the escaped message, as JSON or as XML", async () => {
    const json = await send("/eo-inline/get");
    expect(json.status).toBe(502);
    expect(json.headers.get("content-type")).toBe("application/json");
    expect(await json.text()).toBe('{"status": 502, "message": "Bad \\"gate\\" \\u003Cway\\u003E", "params": ""}');
    const xml = await send("/eo-inline/get", { method: "POST", headers: { "content-type": "application/xml" }, body: "<a/>" });
    expect(xml.headers.get("content-type")).toBe("application/xml");
    expect(await xml.text()).toBe('{"status": 502, "message": "Bad &#34;gate&#34; &lt;way&gt;", "params": "<no value>"}');
  });

  it("a message alone is Tyk's error document with that message; headers alone keep the error's own message", async () => {
    const message = await send("/eo-message/get");
    expect(message.status).toBe(500);
    expect(await message.json()).toEqual({ error: "Gateway unhappy" });
    const xml = await send("/eo-message/get", { method: "POST", headers: { "content-type": "text/xml" }, body: "<a/>" });
    expect(await xml.text()).toBe("<error>Gateway unhappy</error>");
    const headersOnly = await send("/eo-headers/get");
    expect([headersOnly.status, headersOnly.headers.get("x-only")]).toEqual([503, "headers"]);
    expect(await headersOnly.json()).toEqual({ error: "There was a problem proxying the request" });
  });

  it("a gateway error whose flag is not the rule's still matches its message_pattern", async () => {
    const response = await send("/eo-pattern/get", { headers: { authorization: "unknown-key" } });
    expect([response.status, await response.text()]).toEqual([401, "nope"]);
  });

  it("keeps the CORS headers on an overridden error", async () => {
    const response = await send("/eo-cors/get", { headers: { origin: "https://app.example", authorization: "unknown-key" } });
    expect(response.status).toBe(451);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(await response.json()).toEqual({ overridden: true });
  });

  it("a class rule (4xx) with only a status changes an upstream answer's status and keeps its body", async () => {
    const response = await send("/eo-mock/404-json");
    expect(response.status).toBe(499);
    expect(await response.json()).toEqual({ error: { code: "RESOURCE_NOT_FOUND", message: "User not found" } });
  });

  it("a cached upstream answer gets the same rule as the one that filled the cache", async () => {
    const path = `/eo-cached/404-json?run=${Date.now()}`;
    const first = await send(path);
    const second = await send(path);
    expect([first.status, await first.text(), second.status, await second.text()]).toEqual([410, "gone", 410, "gone"]);
    expect(second.headers.get("x-tyk-cached-response")).toBe("1");
  });

  it("an API without rules, and no gateway rules, passes errors through as Tyk's error document", async () => {
    const response = await send("/eo-off/500");
    expect(response.status).toBe(500);
    expect(response.headers.get("x-override-applied")).toBeNull();
  });

  it("analytics records the status the client got", async () => {
    const agent = uniqueAgent("error-override");
    const response = await send("/eo-cors/get", { headers: { "user-agent": agent, authorization: "unknown-key" } });
    expect(response.status).toBe(451);
    const [record] = await recordsMatching(byAgent(agent));
    expect(record?.response_code).toBe(451);
  });
});
