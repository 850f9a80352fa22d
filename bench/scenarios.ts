import type { Side } from "./compare";
import type { GatewayFeatures } from "./contestants";
import {
  authListenPath,
  benchClientIp,
  cachedListenPath,
  pluginsListenPath,
  jwtHs256ListenPath,
  jwtRs256ListenPath,
  keylessListenPath,
  oidcListenPath,
  oauthBearerToken,
  oauthListenPath,
  limitedFastListenPath,
  limitedListenPath,
  limitedDefaultListenPath,
  limitedEdgeListenPath,
  shapedListenPath,
  transformListenPath,
  transformPlainListenPath,
  transformRequestBody,
  guardedListenPath,
} from "./seed";
import { oasKeylessListenPath, oasPlainListenPath, oasValidateListenPath, oasVersionedListenPath, validatedRequestBody } from "./seed-oas";
import { largeBodyBytes, largePath, smallBody, smallPath } from "./upstream";

/** Where each contestant listens, once started. */
export interface Origins {
  upstream: string;
  passthrough: string;
  gateway: string;
  /** The Workers-user baseline (bench/peer) and its variant with free bindings, when a scenario needs them. */
  peer?: string;
  peerFree?: string;
  authKey: string;
  limitedKey: string;
  /** A key with a rate limit and no quota (as the peer's keys), for the default- and edge-mode limited APIs. */
  rateOnlyKey?: string;
  jwtHs256: string;
  jwtRs256: string;
  /** An ID token from the bench's OpenID Connect issuer, when it runs. */
  oidcIdToken?: string;
  /** Listen path of the API in the middle of the 100-API route table. */
  routeTablePath: string;
  /** Serving processes, where known, for CPU time per request. */
  pids: { upstream?: number; passthrough?: number; gateway?: number; peer?: number; peerFree?: number };
}

/** A request that must succeed as described before a scenario is worth measuring. */
export interface Probe {
  url: string;
  headers?: Record<string, string>;
  status: number;
  bytes?: number;
}

export interface MeasuredScenario {
  id: string;
  title: string;
  /**
   * Which seeded gateway the scenario needs: the basic APIs (with the RateLimiter
   * binding for "limits", plus the analytics Queue for "full-chain") or the 100-API route table.
   */
  gateway: "basic" | "limits" | "full-chain" | "route-table" | "none";
  /**
   * The baseline is the peer (bench/peer) as written, or its variant whose KV and rate limiter
   * are answered from isolate memory (bench/peer/free-bindings/index.ts); started only when selected.
   */
  peer?: "peer" | "peerFree";
  baseline(origins: Origins): Side;
  scenario(origins: Origins): Side;
  probes(origins: Origins): Probe[];
}

/** The bindings each kind of seeded gateway runs with. */
export function featuresFor(gateway: MeasuredScenario["gateway"]): GatewayFeatures {
  return {
    rateLimiter: gateway === "limits" || gateway === "full-chain",
    circuitBreaker: gateway === "basic",
    analyticsQueue: gateway === "full-chain",
  };
}

const small = (origin: string, prefix = ""): string => `${origin}${prefix}${smallPath}`;
const passthroughSmall = (origins: Origins): Side => ({ label: "pass-through", target: { url: small(origins.passthrough) }, pid: origins.pids.passthrough });
const gatewaySide = (origins: Origins, url: string, headers?: Record<string, string>): Side => ({
  label: "gateway",
  target: { url, headers },
  pid: origins.pids.gateway,
});
const smallBytes = Buffer.byteLength(smallBody);
/** A 10 KB JSON POST to the gateway's transform API (or its plain twin). */
const transformSide = (origins: Origins, listenPath: string): Side => ({
  label: "gateway",
  target: { url: small(origins.gateway, listenPath), method: "POST", body: transformRequestBody, headers: { "Content-Type": "application/json" } },
  pid: origins.pids.gateway,
});
/** A 1 KB JSON POST to one of the gateway's OAS APIs (validated or not). */
const validatedSide = (origins: Origins, listenPath: string): Side => ({
  label: "gateway",
  target: { url: small(origins.gateway, listenPath), method: "POST", body: validatedRequestBody, headers: { "Content-Type": "application/json" } },
  pid: origins.pids.gateway,
});
/** A browser's cross-origin request from an allowed address. */
const shapedHeaders = { Origin: "https://app.example", "CF-Connecting-IP": benchClientIp };

/** The rate-limited API with a key whose limits are never reached: every request is decided by the limiter. */
function limitedScenario(id: string, title: string, gateway: "limits" | "full-chain", listenPath: string): MeasuredScenario {
  return {
    id,
    title,
    gateway,
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, listenPath), { Authorization: origins.limitedKey }),
    probes: (origins) => [
      { url: small(origins.gateway, listenPath), headers: { Authorization: origins.limitedKey }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, listenPath), status: 401 },
    ],
  };
}

/**
 * Portcullis ÷ the peer (bench/peer: Hono's proxy helper, keys in KV, the Rate Limiting binding) on the
 * same upstream path: `peerPrefix` is the peer's route, `listenPath` the gateway's API.
 */
function peerScenario(
  id: string,
  title: string,
  gateway: "basic" | "limits",
  peer: "peer" | "peerFree",
  peerPrefix: string,
  listenPath: string,
  key?: (origins: Origins) => string,
): MeasuredScenario {
  const headers = (origins: Origins) => (key ? { Authorization: key(origins) } : undefined);
  const peerUrl = (origins: Origins) => small(origins[peer] ?? "", peerPrefix);
  const label = peer === "peer" ? "peer" : "peer, free bindings";
  return {
    id,
    title,
    gateway,
    peer,
    baseline: (origins) => ({ label, target: { url: peerUrl(origins), headers: headers(origins) }, pid: origins.pids[peer] }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, listenPath), headers(origins)),
    probes: (origins) => [
      { url: peerUrl(origins), headers: headers(origins), status: 200, bytes: smallBytes },
      { url: small(origins.gateway, listenPath), headers: headers(origins), status: 200, bytes: smallBytes },
      ...(key ? [{ url: peerUrl(origins), status: 401 }] : []),
    ],
  };
}

function jwtScenario(id: string, title: string, listenPath: string, token: (origins: Origins) => string): MeasuredScenario {
  return {
    id,
    title,
    gateway: "basic",
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, listenPath), { Authorization: `Bearer ${token(origins)}` }),
    probes: (origins) => [
      { url: small(origins.gateway, listenPath), headers: { Authorization: `Bearer ${token(origins)}` }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, listenPath), status: 400 },
    ],
  };
}

/** Measured in priority order: if time runs short, the last ones get fewer runs. */
export const scenarios: MeasuredScenario[] = [
  {
    id: "keyless",
    title: "Keyless proxy",
    gateway: "basic",
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, keylessListenPath)),
    probes: (origins) => [{ url: small(origins.gateway, keylessListenPath), status: 200, bytes: smallBytes }],
  },
  {
    id: "auth-token",
    title: "Auth token (cached session)",
    gateway: "basic",
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, authListenPath), { Authorization: origins.authKey }),
    probes: (origins) => [
      { url: small(origins.gateway, authListenPath), headers: { Authorization: origins.authKey }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, authListenPath), status: 401 },
    ],
  },
  {
    // Baseline is the gateway's own keyless API, not the pass-through: what do these features add to it?
    id: "request-shaping",
    title: "CORS + IP allow list + header transforms vs the same API keyless",
    gateway: "basic",
    baseline: (origins) => ({ ...gatewaySide(origins, small(origins.gateway, keylessListenPath), shapedHeaders), label: "gateway, keyless API" }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, shapedListenPath), shapedHeaders),
    probes: (origins) => [
      { url: small(origins.gateway, shapedListenPath), headers: shapedHeaders, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, shapedListenPath), headers: { ...shapedHeaders, "CF-Connecting-IP": "192.0.2.1" }, status: 403 },
    ],
  },
  {
    // Baseline is the gateway's own keyless API: what does a configured, healthy timeout and breaker add to it?
    id: "traffic-control",
    title: "Hard timeout + circuit breaker (healthy) vs the same API keyless",
    gateway: "basic",
    baseline: (origins) => ({ ...gatewaySide(origins, small(origins.gateway, keylessListenPath)), label: "gateway, keyless API" }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, guardedListenPath)),
    probes: (origins) => [{ url: small(origins.gateway, guardedListenPath), status: 200, bytes: smallBytes }],
  },
  {
    // The upstream is skipped on a hit: the goal is at least 1.5 times the pass-through's throughput.
    id: "cache-hit",
    title: "Response cache hit (keyless GET) vs the pass-through",
    gateway: "basic",
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, cachedListenPath)),
    probes: (origins) => [{ url: small(origins.gateway, cachedListenPath), status: 200, bytes: smallBytes }],
  },
  {
    // Baseline is the same API without the transform, so the ratio is the cost of reading, rendering and resending the body.
    id: "transform-10kb",
    title: "Request body transform of a 10 KB JSON POST vs the same API without",
    gateway: "basic",
    baseline: (origins) => ({ ...transformSide(origins, transformPlainListenPath), label: "gateway, no transform" }),
    scenario: (origins) => transformSide(origins, transformListenPath),
    probes: (origins) => [
      { url: small(origins.gateway, transformListenPath), status: 200, bytes: smallBytes },
      { url: small(origins.gateway, transformPlainListenPath), status: 200, bytes: smallBytes },
    ],
  },
  {
    // Baseline is the gateway's own keyless API: the ratio is the cost of a no-op pre and post plugin (goal ≥ 0.97).
    id: "plugins-noop",
    title: "Keyless API with a no-op pre and post plugin vs the same API without",
    gateway: "basic",
    baseline: (origins) => ({ ...gatewaySide(origins, small(origins.gateway, keylessListenPath)), label: "gateway, no plugins" }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, pluginsListenPath)),
    probes: (origins) => [
      { url: small(origins.gateway, pluginsListenPath), status: 200, bytes: smallBytes },
      { url: small(origins.gateway, keylessListenPath), status: 200, bytes: smallBytes },
    ],
  },
  {
    // The same keyless API stored as classic and as Tyk OAS: both compile to one model, so the format must not matter (goal ≥ 0.98).
    id: "oas-vs-classic",
    title: "Keyless API stored as Tyk OAS vs the same API as classic",
    gateway: "basic",
    baseline: (origins) => ({ ...gatewaySide(origins, small(origins.gateway, keylessListenPath)), label: "gateway, classic API" }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, oasKeylessListenPath)),
    probes: (origins) => [
      { url: small(origins.gateway, oasKeylessListenPath), status: 200, bytes: smallBytes },
      { url: small(origins.gateway, keylessListenPath), status: 200, bytes: smallBytes },
    ],
  },
  {
    // Tyk OAS versioning: a request to the base naming version v2 is served by v2's (internal, keyless) API; baseline is a keyless OAS API reached directly.
    id: "oas-version-dispatch",
    title: "Tyk OAS version served through its base (header) vs a keyless OAS API reached directly",
    gateway: "basic",
    baseline: (origins) => ({ ...gatewaySide(origins, small(origins.gateway, oasKeylessListenPath)), label: "gateway, direct" }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, oasVersionedListenPath), { "x-api-version": "v2" }),
    probes: (origins) => [
      { url: small(origins.gateway, oasVersionedListenPath), headers: { "x-api-version": "v2" }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, `${oasVersionedListenPath}-v2`), status: 404 },
    ],
  },
  {
    // Baseline is the same OAS API without validateRequest: the ratio is the cost of reading and checking a 1 KB JSON body.
    id: "oas-validate-1kb",
    title: "Tyk OAS validateRequest on a 1 KB JSON POST vs the same API without",
    gateway: "basic",
    baseline: (origins) => ({ ...validatedSide(origins, oasPlainListenPath), label: "gateway, no validation" }),
    scenario: (origins) => validatedSide(origins, oasValidateListenPath),
    probes: (origins) => [
      { url: small(origins.gateway, oasValidateListenPath), status: 200, bytes: smallBytes },
      { url: small(origins.gateway, oasPlainListenPath), status: 200, bytes: smallBytes },
    ],
  },
  limitedScenario("rate-limit-quota", "Auth token + exact rate limit + quota", "limits", limitedListenPath),
  limitedScenario("rate-limit-quota-fast", "Auth token + rate limit + quota, fast mode", "limits", limitedFastListenPath),
  peerScenario("peer-keyless", "Keyless proxy vs the peer", "basic", "peer", "/keyless", keylessListenPath),
  peerScenario("peer-auth-token", "Auth token vs the peer's KV key lookup", "basic", "peer", "/auth", authListenPath, (origins) => origins.authKey),
  peerScenario(
    "peer-rate-limit",
    "Auth token + rate limit, default mode, vs the peer's KV key + Rate Limiting binding",
    "limits",
    "peer",
    "/limited",
    limitedDefaultListenPath,
    (origins) => origins.rateOnlyKey ?? "",
  ),
  peerScenario(
    "peer-rate-limit-edge",
    "Auth token + rate limit, edge mode, vs the peer's KV key + Rate Limiting binding",
    "limits",
    "peer",
    "/limited",
    limitedEdgeListenPath,
    (origins) => origins.rateOnlyKey ?? "",
  ),
  peerScenario(
    "peer-free-auth-token",
    "Auth token vs the peer with free bindings (KV read once per key)",
    "basic",
    "peerFree",
    "/auth",
    authListenPath,
    (origins) => origins.authKey,
  ),
  peerScenario(
    "peer-free-rate-limit",
    "Auth token + rate limit, default mode, vs the peer with free bindings (in-memory counter)",
    "limits",
    "peerFree",
    "/limited",
    limitedDefaultListenPath,
    (origins) => origins.rateOnlyKey ?? "",
  ),
  jwtScenario("jwt-hs256", "JWT HS256 (policy session)", jwtHs256ListenPath, (origins) => origins.jwtHs256),
  jwtScenario("jwt-rs256", "JWT RS256 (policy session)", jwtRs256ListenPath, (origins) => origins.jwtRs256),
  {
    // Baseline is the gateway's auth-token API: what does verifying an ID token (cached discovery and keys) cost over a cached key?
    id: "oidc",
    title: "OpenID Connect ID token (RS256, cached keys) vs auth token",
    gateway: "basic",
    baseline: (origins) => ({
      ...gatewaySide(origins, small(origins.gateway, authListenPath), { Authorization: origins.authKey }),
      label: "gateway, auth token",
    }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, oidcListenPath), { Authorization: `Bearer ${origins.oidcIdToken ?? ""}` }),
    probes: (origins) => [
      { url: small(origins.gateway, oidcListenPath), headers: { Authorization: `Bearer ${origins.oidcIdToken ?? ""}` }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, oidcListenPath), status: 401 },
    ],
  },
  {
    // Baseline is the gateway's auth-token API: an OAuth access token is a stored session too, read through the same cache.
    id: "oauth-bearer",
    title: "OAuth 2.0 bearer token (cached session, client policy) vs auth token",
    gateway: "basic",
    baseline: (origins) => ({
      ...gatewaySide(origins, small(origins.gateway, authListenPath), { Authorization: origins.authKey }),
      label: "gateway, auth token",
    }),
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, oauthListenPath), { Authorization: `Bearer ${oauthBearerToken}` }),
    probes: (origins) => [
      { url: small(origins.gateway, oauthListenPath), headers: { Authorization: `Bearer ${oauthBearerToken}` }, status: 200, bytes: smallBytes },
      { url: small(origins.gateway, oauthListenPath), status: 400 },
    ],
  },
  limitedScenario("full-chain", "Full chain: auth token + exact rate limit + quota + analytics", "full-chain", limitedListenPath),
  limitedScenario("full-chain-fast", "Full chain: auth token + fast rate limit + quota + analytics", "full-chain", limitedFastListenPath),
  {
    id: "route-table-100",
    title: "100-API route table (request to API #50)",
    gateway: "route-table",
    baseline: passthroughSmall,
    scenario: (origins) => gatewaySide(origins, small(origins.gateway, origins.routeTablePath)),
    probes: (origins) => [{ url: small(origins.gateway, origins.routeTablePath), status: 200, bytes: smallBytes }],
  },
  {
    id: "stream-1mb",
    title: "1 MB streamed response (keyless)",
    gateway: "basic",
    baseline: (origins) => ({ label: "pass-through", target: { url: `${origins.passthrough}${largePath}` }, pid: origins.pids.passthrough }),
    scenario: (origins) => gatewaySide(origins, `${origins.gateway}${keylessListenPath}${largePath}`),
    probes: (origins) => [{ url: `${origins.gateway}${keylessListenPath}${largePath}`, status: 200, bytes: largeBodyBytes }],
  },
  {
    id: "runtime",
    title: "Runtime cost: pass-through Worker vs upstream direct",
    gateway: "none",
    baseline: (origins) => ({ label: "upstream direct", target: { url: small(origins.upstream) }, pid: origins.pids.upstream }),
    scenario: passthroughSmall,
    probes: (origins) => [
      { url: small(origins.upstream), status: 200, bytes: smallBytes },
      { url: small(origins.passthrough), status: 200, bytes: smallBytes },
    ],
  },
];

export async function runProbes(probes: Probe[]): Promise<string | undefined> {
  for (const probe of probes) {
    const response = await fetch(probe.url, { headers: probe.headers });
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== probe.status) {
      return `${probe.url} answered ${response.status} (expected ${probe.status}): ${new TextDecoder().decode(body.slice(0, 200))}`;
    }
    if (probe.bytes !== undefined && body.length !== probe.bytes) return `${probe.url} sent ${body.length} bytes (expected ${probe.bytes})`;
  }
  return undefined;
}
