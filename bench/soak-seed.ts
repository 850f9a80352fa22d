import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { configVersionKey } from "../src/store/store";
import type { StoreSeed } from "./contestants";
import { apiDefinition, entry, tykKey } from "./seed";

/*
 * What the soak stores and sends. Identities come from fixed pools, visited
 * in turn, so after one pass over every pool (the warm-up) each bounded cache
 * holds all it will ever hold for this load: growth after that is a leak, not
 * a cache filling. The JWT identities outnumber the isolate's JWT session
 * cache (10,000), so that cache evicts on every request in steady state.
 * Paths are unique per request: nothing may be kept per path.
 */

export const pools = {
  keylessApis: 20,
  keys: 3_000,
  unknownKeys: 1_000,
  limitedKeys: 200,
  jwtIdentities: 10_500,
};

/** Share of the load per kind of request (sums to 100), and the status each must get. */
const kinds = {
  keyless: { weight: 25, status: 200 },
  "auth token": { weight: 20, status: 200 },
  "unknown key": { weight: 5, status: 403 },
  "missing key": { weight: 2, status: 401 },
  "exact rate limit": { weight: 5, status: 200 },
  "fast rate limit": { weight: 8, status: 200 },
  "JWT HS256": { weight: 30, status: 200 },
  "timeout + breaker": { weight: 5, status: 200 },
};
export type Kind = keyof typeof kinds;

export interface SoakRequest {
  kind: Kind;
  path: string;
  headers: Record<string, string>;
  expected: number;
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");
const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const access = (apiId: string) => ({ api_id: apiId, versions: ["Default"] });

function hs256(secret: string, sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify({ sub, iat: now, exp: now + 6 * 3600 }))}`;
  return `${input}.${base64url(createHmac("sha256", secret).update(input).digest())}`;
}

export interface SoakSeed {
  entries: StoreSeed;
  keys: string[];
  unknownKeys: string[];
  limitedKeys: string[];
  jwts: string[];
}

export function soakSeed(upstreamOrigin: string): SoakSeed {
  const entries: StoreSeed = [[configVersionKey, "soak-0"]];
  for (let index = 0; index < pools.keylessApis; index++) {
    const id = `soak-keyless-${index}`;
    entries.push(entry("apis", id, apiDefinition(id, `/${id}`, upstreamOrigin, true)));
  }
  entries.push(entry("apis", "soak-auth", apiDefinition("soak-auth", "/soak-auth", upstreamOrigin, false)));
  entries.push(entry("apis", "soak-exact", { ...apiDefinition("soak-exact", "/soak-exact", upstreamOrigin, false), rate_limit_mode: "exact" }));
  entries.push(entry("apis", "soak-fast", { ...apiDefinition("soak-fast", "/soak-fast", upstreamOrigin, false), rate_limit_mode: "fast" }));

  const keys = Array.from({ length: pools.keys }, () => tykKey("default"));
  for (const key of keys) entries.push(entry("keys", sha256Hex(key), { org_id: "default", access_rights: { "soak-auth": access("soak-auth") } }));
  const limitedKeys = Array.from({ length: pools.limitedKeys }, () => tykKey("default"));
  const limits = { rate: 1_000_000, per: 1, quota_max: 1_000_000_000, quota_renewal_rate: 3600 };
  for (const key of limitedKeys) {
    const rights = { "soak-exact": access("soak-exact"), "soak-fast": access("soak-fast") };
    entries.push(entry("keys", sha256Hex(key), { org_id: "default", ...limits, access_rights: rights }));
  }
  const unknownKeys = Array.from({ length: pools.unknownKeys }, () => tykKey("default"));

  const secret = randomUUID();
  entries.push(
    entry("apis", "soak-jwt", {
      ...apiDefinition("soak-jwt", "/soak-jwt", upstreamOrigin, false),
      use_standard_auth: false,
      enable_jwt: true,
      jwt_signing_method: "hmac",
      jwt_source: Buffer.from(secret).toString("base64"),
      jwt_identity_base_field: "sub",
      jwt_default_policies: ["soak-jwt"],
    }),
    entry("policies", "soak-jwt", { id: "soak-jwt", org_id: "default", active: true, access_rights: { "soak-jwt": access("soak-jwt") } }),
  );
  const jwts = Array.from({ length: pools.jwtIdentities }, (_, index) => hs256(secret, `soak-user-${index}`));

  const guarded = { path: "/items/{id}", method: "GET" };
  entries.push(
    entry("apis", "soak-guarded", {
      ...apiDefinition("soak-guarded", "/soak-guarded", upstreamOrigin, true),
      version_data: {
        not_versioned: true,
        versions: {
          Default: {
            name: "Default",
            use_extended_paths: true,
            extended_paths: {
              hard_timeouts: [{ ...guarded, timeout: 10 }],
              circuit_breakers: [{ ...guarded, threshold_percent: 0.5, samples: 100, return_to_service_after: 10 }],
            },
          },
        },
      },
    }),
  );
  return { entries, keys, unknownKeys, limitedKeys, jwts };
}

/** Requests in a fixed rotation of kinds (by weight), each pool visited in turn. */
export class RequestMix {
  private readonly rotation: Kind[];
  private readonly turns = new Map<string, number>();
  private sent = 0;

  constructor(private readonly seed: SoakSeed) {
    this.rotation = interleave(new Map((Object.keys(kinds) as Kind[]).map((kind) => [kind, kinds[kind].weight])));
  }

  /** Requests needed before every pool was visited once: the warm-up. */
  get warmupRequests(): number {
    const passes = [
      pools.keylessApis / kinds.keyless.weight,
      pools.keys / kinds["auth token"].weight,
      pools.unknownKeys / kinds["unknown key"].weight,
      pools.limitedKeys / Math.min(kinds["exact rate limit"].weight, kinds["fast rate limit"].weight),
      pools.jwtIdentities / kinds["JWT HS256"].weight,
    ];
    return Math.ceil(Math.max(...passes) * 100);
  }

  next(): SoakRequest {
    const kind = this.rotation[this.sent++ % this.rotation.length]!;
    const unique = `/items/${randomBytes(6).toString("hex")}?page=${this.sent}`;
    const pick = <T>(pool: readonly T[]) => pool[this.turn(kind, pool.length)]!;
    const expected = kinds[kind].status;
    switch (kind) {
      case "keyless":
        return { kind, path: `/soak-keyless-${this.turn(kind, pools.keylessApis)}${unique}`, headers: {}, expected };
      case "auth token":
        return { kind, path: `/soak-auth${unique}`, headers: { Authorization: pick(this.seed.keys) }, expected };
      case "unknown key":
        return { kind, path: `/soak-auth${unique}`, headers: { Authorization: pick(this.seed.unknownKeys) }, expected };
      case "missing key":
        return { kind, path: `/soak-auth${unique}`, headers: {}, expected };
      case "exact rate limit":
        return { kind, path: `/soak-exact${unique}`, headers: { Authorization: pick(this.seed.limitedKeys) }, expected };
      case "fast rate limit":
        return { kind, path: `/soak-fast${unique}`, headers: { Authorization: pick(this.seed.limitedKeys) }, expected };
      case "JWT HS256":
        return { kind, path: `/soak-jwt${unique}`, headers: { Authorization: `Bearer ${pick(this.seed.jwts)}` }, expected };
      case "timeout + breaker":
        return { kind, path: `/soak-guarded${unique}`, headers: {}, expected };
    }
  }

  private turn(kind: string, size: number): number {
    const turn = this.turns.get(kind) ?? 0;
    this.turns.set(kind, turn + 1);
    return turn % size;
  }
}

/** One rotation with each kind `weight` times, spread out: a weight-30 kind never comes as 30 in a row. */
function interleave(weights: Map<Kind, number>): Kind[] {
  const total = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  const left = new Map(weights);
  const result: Kind[] = [];
  while (result.length < total) {
    for (const [kind, count] of left) {
      if (count === 0) continue;
      result.push(kind);
      left.set(kind, count - 1);
    }
  }
  return result;
}
