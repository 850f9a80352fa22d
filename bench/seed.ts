import { createHash, createHmac, createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { configVersionKey, storageKey } from "../src/store/store";
import { benchEdgeRate, type StoreSeed } from "./contestants";
import { smallPath } from "./upstream";
import { oasApis } from "./seed-oas";

/*
 * What the bench stores in GATEWAY_KV, written straight into Miniflare's KV in
 * the store layout (the Gateway API and kv-seed write the same keys).
 */

export const keylessApiId = "bench-keyless";
export const authApiId = "bench-auth";
export const keylessListenPath = "/keyless";
export const shapedListenPath = "/shaped";
export const guardedListenPath = "/guarded";
/** The client address the bench sends (wrk has no Cloudflare edge in front to set CF-Connecting-IP). */
export const benchClientIp = "127.0.0.1";
export const authListenPath = "/auth";
export const limitedListenPath = "/limited";
export const limitedFastListenPath = "/limited-fast";
/** The limited API without `rate_limit_mode`: the gateway's default mode decides. */
export const limitedDefaultListenPath = "/limited-default";
/** The limited API in `edge` mode (Cloudflare's Rate Limiting binding). */
export const limitedEdgeListenPath = "/limited-edge";
export const jwtHs256ListenPath = "/jwt-hs256";
export const jwtRs256ListenPath = "/jwt-rs256";
export const oidcListenPath = "/oidc";
export const oauthListenPath = "/oauth";
export const cachedListenPath = "/cached";
export const transformListenPath = "/transform";
export const transformPlainListenPath = "/transform-plain";
export const pluginsListenPath = "/plugins-noop";
export const routeTableSize = 100;

export function apiDefinition(apiId: string, listenPath: string, upstreamOrigin: string, keyless: boolean): Record<string, unknown> {
  return {
    api_id: apiId,
    name: apiId,
    org_id: "default",
    active: true,
    use_keyless: keyless,
    use_standard_auth: !keyless,
    auth: { auth_header_name: "Authorization" },
    version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    proxy: { listen_path: `${listenPath}/`, target_url: upstreamOrigin, strip_listen_path: true },
  };
}

export function entry(kind: "apis" | "keys" | "policies", id: string, document: unknown): [string, string] {
  return [storageKey(kind, id), JSON.stringify(document)];
}

/** A key as Tyk issues it with a hash function set: base64 of `{"org","id","h"}`. */
export function tykKey(orgId: string): string {
  return Buffer.from(JSON.stringify({ org: orgId, id: randomUUID().replaceAll("-", ""), h: "sha256" })).toString("base64");
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

export interface GatewaySeed {
  entries: StoreSeed;
  /** The key string a client sends in `Authorization` (a Tyk-format key, stored under its SHA-256). */
  authKey: string;
  /** A key with a rate limit and a quota (both far above what the bench sends) on the limited APIs. */
  limitedKey: string;
  /** A key with a rate limit (far above what the bench sends) and no quota, on the default- and edge-mode limited APIs. */
  rateOnlyKey: string;
  /** Bearer tokens for the JWT APIs, valid for the bench's lifetime. */
  jwtHs256: string;
  jwtRs256: string;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

function signedJwt(alg: "HS256" | "RS256", sign: (input: string) => Buffer): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${base64url(JSON.stringify({ alg, typ: "JWT" }))}.${base64url(JSON.stringify({ sub: "bench-user", iat: now, exp: now + 3600 }))}`;
  return `${input}.${base64url(sign(input))}`;
}

/** Two JWT APIs (HS256 secret, RS256 public key, Tyk's base64 `jwt_source`) whose sessions come from one policy. */
function jwtSeed(upstreamOrigin: string): { entries: StoreSeed; hs256: string; rs256: string } {
  const secret = randomUUID();
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwtApi = (apiId: string, listenPath: string, method: "hmac" | "rsa", source: string) => ({
    ...apiDefinition(apiId, listenPath, upstreamOrigin, false),
    use_standard_auth: false,
    enable_jwt: true,
    jwt_signing_method: method,
    jwt_source: Buffer.from(source).toString("base64"),
    jwt_identity_base_field: "sub",
    jwt_default_policies: ["bench-jwt"],
  });
  const access = (apiId: string) => ({ api_id: apiId, versions: ["Default"] });
  return {
    entries: [
      entry("apis", "bench-jwt-hs256", jwtApi("bench-jwt-hs256", jwtHs256ListenPath, "hmac", secret)),
      entry("apis", "bench-jwt-rs256", jwtApi("bench-jwt-rs256", jwtRs256ListenPath, "rsa", publicKey.export({ type: "spki", format: "pem" }).toString())),
      entry("policies", "bench-jwt", {
        id: "bench-jwt",
        org_id: "default",
        active: true,
        access_rights: { "bench-jwt-hs256": access("bench-jwt-hs256"), "bench-jwt-rs256": access("bench-jwt-rs256") },
      }),
    ],
    hs256: signedJwt("HS256", (input) => createHmac("sha256", secret).update(input).digest()),
    rs256: signedJwt("RS256", (input) => createSign("RSA-SHA256").update(input).sign(privateKey)),
  };
}

/** An OpenID Connect API trusting the bench's loopback issuer; its client's policy gives the session. */
function oidcSeed(upstreamOrigin: string, issuer: string, clientId: string): StoreSeed {
  const api = {
    ...apiDefinition("bench-oidc", oidcListenPath, upstreamOrigin, false),
    use_standard_auth: false,
    use_openid: true,
    openid_options: { providers: [{ issuer, client_ids: { [Buffer.from(clientId).toString("base64")]: "bench-oidc" } }], segregate_by_client: false },
  };
  const policy = { id: "bench-oidc", org_id: "default", active: true, access_rights: { "bench-oidc": { api_id: "bench-oidc", versions: ["Default"] } } };
  return [entry("apis", "bench-oidc", api), entry("policies", "bench-oidc", policy)];
}

/** An access token of Tyk's OAuth server (client credentials, the client's policy), as the token endpoint stores it: a session under the token's SHA-256. */
export const oauthBearerToken = tykKey("default");

function oauthSeed(upstreamOrigin: string): StoreSeed {
  const api = {
    ...apiDefinition("bench-oauth", oauthListenPath, upstreamOrigin, false),
    use_standard_auth: false,
    use_oauth2: true,
    oauth_meta: { allowed_access_types: ["client_credentials"], allowed_authorize_types: ["code"], auth_login_redirect: "" },
  };
  const policy = { id: "bench-oauth", org_id: "default", active: true, access_rights: { "bench-oauth": { api_id: "bench-oauth", versions: ["Default"] } } };
  const session = { org_id: "default", apply_policies: ["bench-oauth"], oauth_client_id: "bench-client", expires: 0 };
  return [entry("apis", "bench-oauth", api), entry("policies", "bench-oauth", policy), entry("keys", sha256Hex(oauthBearerToken), session)];
}

/**
 * Auth-token APIs counted by the RateLimiter in exact and fast mode, with a key whose rate and quota
 * are never reached, so every request is decided and admitted; and APIs in the gateway's default
 * mode and in edge mode with a rate-only key, as the peer's.
 */
function limitedSeed(upstreamOrigin: string): { entries: StoreSeed; key: string; rateOnlyKey: string } {
  const key = tykKey("default");
  const access = (apiId: string) => ({ api_id: apiId, versions: ["Default"] });
  // Like the peer's keys: a rate limit and no quota (Tyk's quota_max -1); edge mode has a binding for exactly this rate.
  const rateOnlyKey = tykKey("default");
  const rateOnlyApis = ["bench-limited-default", "bench-limited-edge"];
  const rateOnlySession = {
    org_id: "default",
    rate: benchEdgeRate.limit,
    per: benchEdgeRate.period,
    quota_max: -1,
    access_rights: Object.fromEntries(rateOnlyApis.map((id) => [id, access(id)])),
  };
  const session = {
    org_id: "default",
    rate: 1_000_000,
    per: 1,
    quota_max: 1_000_000_000,
    quota_renewal_rate: 3600,
    access_rights: { "bench-limited": access("bench-limited"), "bench-limited-fast": access("bench-limited-fast") },
  };
  return {
    key,
    rateOnlyKey,
    entries: [
      entry("apis", "bench-limited", { ...apiDefinition("bench-limited", limitedListenPath, upstreamOrigin, false), rate_limit_mode: "exact" }),
      entry("apis", "bench-limited-fast", { ...apiDefinition("bench-limited-fast", limitedFastListenPath, upstreamOrigin, false), rate_limit_mode: "fast" }),
      entry("apis", "bench-limited-default", apiDefinition("bench-limited-default", limitedDefaultListenPath, upstreamOrigin, false)),
      entry("apis", "bench-limited-edge", { ...apiDefinition("bench-limited-edge", limitedEdgeListenPath, upstreamOrigin, false), rate_limit_mode: "edge" }),
      entry("keys", sha256Hex(key), session),
      entry("keys", sha256Hex(rateOnlyKey), rateOnlySession),
    ],
  };
}

/** The keyless API plus what most migrated Tyk APIs carry: CORS, an IP allow list and header transforms. */
function shapedApi(upstreamOrigin: string): Record<string, unknown> {
  const keyless = apiDefinition("bench-shaped", shapedListenPath, upstreamOrigin, true);
  return {
    ...keyless,
    CORS: { enable: true, allowed_origins: ["https://app.example"], allowed_methods: ["GET", "POST"] },
    enable_ip_whitelisting: true,
    allowed_ips: ["10.0.0.0/8", `${benchClientIp}/32`, "2001:db8::/32"],
    version_data: {
      not_versioned: true,
      versions: {
        Default: {
          name: "Default",
          global_headers: { "X-Gateway": "portcullis" },
          extended_paths: { transform_headers: [{ path: "/{rest}", method: "GET", add_headers: { "X-Shaped": "yes" }, delete_headers: ["X-Debug"] }] },
        },
      },
    },
  };
}

/** The keyless API with every GET answered from the response cache after the first. */
function cachedApi(upstreamOrigin: string): Record<string, unknown> {
  return {
    ...apiDefinition("bench-cached", cachedListenPath, upstreamOrigin, true),
    cache_options: { enable_cache: true, cache_all_safe_requests: true, cache_timeout: 3600 },
  };
}

/** The keyless API with the registry's no-op plugin as a pre and a post hook: what running plugin hooks costs. */
function noopPluginsApi(upstreamOrigin: string): Record<string, unknown> {
  return {
    ...apiDefinition("bench-plugins-noop", pluginsListenPath, upstreamOrigin, true),
    custom_middleware: { driver: "otto", pre: [{ name: "noop" }], post: [{ name: "noop" }] },
  };
}

/** A 10 KB JSON order: 148 line items. */
export const transformRequestBody = JSON.stringify({
  order: { id: "bench-order", customer: { name: "Bench Customer", tier: "gold" } },
  items: Array.from({ length: 148 }, (_, index) => ({
    sku: `SKU-${String(index).padStart(5, "0")}`,
    name: `Item number ${index}`,
    qty: (index % 7) + 1,
    price: 9.99 + index,
  })),
});

/** A template of the kind Tyk users write: reshape the order, one line per item. */
const transformTemplate = `{"ref": {{jsonMarshal .order.id}}, "customer": "{{.order.customer.name}} ({{.order.customer.tier}})", "lines": [
{{- range $i, $item := .items}}{{if $i}},{{end}}{"sku": "{{$item.sku}}", "label": {{printf "%q" $item.name}}, "qty": {{$item.qty}}, "unit": {{$item.price}}}{{end -}}
]}`;

/** The keyless API that transforms POST bodies on the bench endpoint, or the same API without the transform. */
function transformApi(upstreamOrigin: string, endpoint: string, transform: boolean): Record<string, unknown> {
  const apiId = transform ? "bench-transform" : "bench-transform-plain";
  const entry = {
    path: endpoint,
    method: "POST",
    template_data: { input_type: "json", template_mode: "blob", template_source: Buffer.from(transformTemplate).toString("base64") },
  };
  return {
    ...apiDefinition(apiId, transform ? transformListenPath : transformPlainListenPath, upstreamOrigin, true),
    version_data: {
      not_versioned: true,
      versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: transform ? { transform: [entry] } : {} } },
    },
  };
}

/** The keyless API with a hard timeout and a circuit breaker on the endpoint the bench calls, both healthy throughout. */
function guardedApi(upstreamOrigin: string, endpoint: string): Record<string, unknown> {
  const keyless = apiDefinition("bench-guarded", guardedListenPath, upstreamOrigin, true);
  const guarded = { path: endpoint, method: "GET" };
  return {
    ...keyless,
    version_data: {
      not_versioned: true,
      versions: {
        Default: {
          name: "Default",
          use_extended_paths: true,
          extended_paths: {
            hard_timeouts: [{ ...guarded, timeout: 30 }],
            circuit_breakers: [{ ...guarded, threshold_percent: 0.5, samples: 100, return_to_service_after: 10 }],
          },
        },
      },
    },
  };
}

/** A keyless API, an auth-token API with one key that may use it, two rate-limited APIs, two JWT APIs and, given an issuer, an OIDC API. */
export function basicSeed(upstreamOrigin: string, oidc?: { issuer: string; clientId: string }): GatewaySeed {
  const authKey = tykKey("default");
  const session = { org_id: "default", access_rights: { [authApiId]: { api_id: authApiId, versions: ["Default"] } } };
  const jwt = jwtSeed(upstreamOrigin);
  const limited = limitedSeed(upstreamOrigin);
  return {
    authKey,
    limitedKey: limited.key,
    rateOnlyKey: limited.rateOnlyKey,
    jwtHs256: jwt.hs256,
    jwtRs256: jwt.rs256,
    entries: [
      ...jwt.entries,
      ...limited.entries,
      ...(oidc ? oidcSeed(upstreamOrigin, oidc.issuer, oidc.clientId) : []),
      ...oauthSeed(upstreamOrigin),
      entry("apis", keylessApiId, apiDefinition(keylessApiId, keylessListenPath, upstreamOrigin, true)),
      entry("apis", "bench-shaped", shapedApi(upstreamOrigin)),
      entry("apis", "bench-guarded", guardedApi(upstreamOrigin, smallPath)),
      entry("apis", "bench-cached", cachedApi(upstreamOrigin)),
      entry("apis", "bench-plugins-noop", noopPluginsApi(upstreamOrigin)),
      entry("apis", "bench-transform", transformApi(upstreamOrigin, smallPath, true)),
      entry("apis", "bench-transform-plain", transformApi(upstreamOrigin, smallPath, false)),
      entry("apis", authApiId, apiDefinition(authApiId, authListenPath, upstreamOrigin, false)),
      // Stored as Tyk OAS documents, as the Gateway API stores them.
      ...oasApis(upstreamOrigin).map(([id, document]) => entry("apis", id, document)),
      entry("keys", sha256Hex(authKey), session),
      [configVersionKey, "bench-1"],
    ],
  };
}

export function routeListenPath(index: number): string {
  return `/route-${String(index).padStart(3, "0")}`;
}

/** `routeTableSize` keyless APIs on distinct listen paths; requests go to the one in the middle. */
export function routeTableSeed(upstreamOrigin: string): { entries: StoreSeed; middlePath: string } {
  const entries: StoreSeed = [[configVersionKey, "bench-1"]];
  for (let index = 0; index < routeTableSize; index++) {
    const apiId = `bench-route-${String(index).padStart(3, "0")}`;
    entries.push(entry("apis", apiId, apiDefinition(apiId, routeListenPath(index), upstreamOrigin, true)));
  }
  return { entries, middlePath: routeListenPath(routeTableSize / 2) };
}
