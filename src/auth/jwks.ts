import * as z from "zod";
import { LruCache } from "../lib/lru";
import { isolateLogger } from "../lib/logger";

/*
 * JSON Web Key Sets by URL, cached per isolate. The TTL follows the response's
 * Cache-Control max-age (clamped; no-store / no-cache get the minimum), an
 * unknown `kid` triggers one early refetch (at most once per cooldown, so
 * random kids cannot make the gateway hammer the IdP), and everything is
 * bounded: the number of sets, keys per set, response size and fetch time.
 */

const jwkSchema = z.looseObject({
  kty: z.string(),
  kid: z.string().optional(),
  alg: z.string().optional(),
  use: z.string().optional(),
});
const jwkSetSchema = z.object({ keys: z.array(z.unknown()) });

export type Jwk = z.output<typeof jwkSchema>;

export interface JwksOptions {
  defaultTtlMs: number;
  minTtlMs: number;
  maxTtlMs: number;
  /** Least time between two fetches of one URL caused by unknown kids. */
  refreshCooldownMs: number;
  maxSets: number;
  maxKeys: number;
  maxBytes: number;
  timeoutMs: number;
}

export const defaultJwksOptions: JwksOptions = {
  defaultTtlMs: 300_000,
  minTtlMs: 10_000,
  maxTtlMs: 86_400_000,
  refreshCooldownMs: 10_000,
  maxSets: 100,
  maxKeys: 100,
  maxBytes: 256 * 1024,
  timeoutMs: 5_000,
};

interface CachedSet {
  keys: Map<string, Jwk>;
  fetchedAt: number;
  expiresAt: number;
}

export class JwksError extends Error {
  override name = "JwksError";
}

/** Seconds from Cache-Control, or null when it says nothing about freshness. */
export function cacheLifetimeMs(header: string | null, options: JwksOptions): number {
  const directives = (header ?? "")
    .toLowerCase()
    .split(",")
    .map((part) => part.trim());
  if (directives.includes("no-store") || directives.includes("no-cache")) return options.minTtlMs;
  const maxAge = directives.map((part) => /^max-age=(\d+)$/.exec(part)?.[1]).find((value) => value !== undefined);
  const ttl = maxAge === undefined ? options.defaultTtlMs : Number(maxAge) * 1000;
  return Math.min(Math.max(ttl, options.minTtlMs), options.maxTtlMs);
}

export class JwksCache {
  private readonly sets: LruCache<string, CachedSet>;
  private readonly inflight = new Map<string, Promise<CachedSet>>();
  /** Keys imported from the cached JWKs, per algorithm; they go with the JWK objects they came from. */
  readonly importedKeys = new WeakMap<Jwk, Map<string, Promise<CryptoKey | Uint8Array>>>();

  constructor(
    private readonly options: JwksOptions = defaultJwksOptions,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.sets = new LruCache(options.maxSets);
  }

  /** The key with this kid, refetching the set once when it is stale or does not know the kid. */
  async key(url: string, kid: string): Promise<Jwk | null> {
    let set = this.sets.get(url);
    if (!set || set.expiresAt <= Date.now()) set = await this.loadOrStale(url, set);
    const found = set.keys.get(kid);
    if (found || Date.now() - set.fetchedAt < this.options.refreshCooldownMs) return found ?? null;
    return (await this.loadOrStale(url, set)).keys.get(kid) ?? null;
  }

  /** While the IdP is unreachable the last set keeps serving, where Tyk would refuse every token. */
  private async loadOrStale(url: string, stale: CachedSet | undefined): Promise<CachedSet> {
    try {
      return await this.load(url);
    } catch (error) {
      if (!stale) throw error;
      isolateLogger.error("JWKS refresh failed; using the cached set", { url, error });
      stale.fetchedAt = Date.now();
      stale.expiresAt = stale.fetchedAt + this.options.minTtlMs;
      return stale;
    }
  }

  private load(url: string): Promise<CachedSet> {
    let pending = this.inflight.get(url);
    if (!pending) {
      pending = this.fetchSet(url).finally(() => this.inflight.delete(url));
      this.inflight.set(url, pending);
    }
    return pending;
  }

  private async fetchSet(url: string): Promise<CachedSet> {
    const response = await this.fetcher(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (!response.ok) throw new JwksError(`JWKS ${url} answered ${response.status}`);
    if (Number(response.headers.get("content-length") ?? 0) > this.options.maxBytes) {
      await response.body?.cancel();
      throw new JwksError(`JWKS ${url} is larger than ${this.options.maxBytes} bytes`);
    }
    const text = await response.text();
    if (text.length > this.options.maxBytes) throw new JwksError(`JWKS ${url} is larger than ${this.options.maxBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new JwksError(`JWKS ${url} is not JSON`);
    }
    const parsed = jwkSetSchema.safeParse(body);
    if (!parsed.success) throw new JwksError(`JWKS ${url} has no "keys" array`);
    const keys = new Map<string, Jwk>();
    for (const raw of parsed.data.keys.slice(0, this.options.maxKeys)) {
      const jwk = jwkSchema.safeParse(raw);
      if (jwk.success && jwk.data.kid !== undefined && jwk.data.use !== "enc" && !keys.has(jwk.data.kid)) keys.set(jwk.data.kid, jwk.data);
    }
    const now = Date.now();
    const set = { keys, fetchedAt: now, expiresAt: now + cacheLifetimeMs(response.headers.get("cache-control"), this.options) };
    this.sets.set(url, set);
    return set;
  }
}
