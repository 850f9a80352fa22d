import * as z from "zod";
import { isolateLogger } from "../lib/logger";
import { LruCache } from "../lib/lru";
import { cacheLifetimeMs, defaultJwksOptions, type JwksOptions } from "./jwks";

/*
 * OpenID Connect discovery: an issuer's `jwks_uri`, read from
 * `<issuer>/.well-known/openid-configuration` (the issuer with any trailing
 * slash removed, as Tyk's openid2go builds it) and cached per isolate under
 * the same bounds as JWKS: the TTL follows Cache-Control within the JWKS
 * limits, one fetch per issuer at a time, bounded size and time, and the last
 * good document keeps serving while the provider is unreachable.
 */

const discoverySchema = z.looseObject({ jwks_uri: z.url({ protocol: /^https?$/ }) });

interface CachedDocument {
  jwksUri: string;
  expiresAt: number;
}

export class OidcDiscoveryError extends Error {
  override name = "OidcDiscoveryError";
}

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

export class OidcDiscovery {
  private readonly documents: LruCache<string, CachedDocument>;
  private readonly inflight = new Map<string, Promise<CachedDocument>>();

  constructor(
    private readonly options: JwksOptions = defaultJwksOptions,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.documents = new LruCache(options.maxSets);
  }

  /** The issuer's JWKS URL, from the cache while it is fresh. */
  async jwksUri(issuer: string): Promise<string> {
    const cached = this.documents.get(issuer);
    if (cached && cached.expiresAt > Date.now()) return cached.jwksUri;
    try {
      return (await this.load(issuer)).jwksUri;
    } catch (error) {
      if (!cached) throw error;
      isolateLogger.error("OpenID discovery failed; using the cached document", { issuer, error });
      cached.expiresAt = Date.now() + this.options.minTtlMs;
      return cached.jwksUri;
    }
  }

  private load(issuer: string): Promise<CachedDocument> {
    let pending = this.inflight.get(issuer);
    if (!pending) {
      pending = this.fetchDocument(issuer).finally(() => this.inflight.delete(issuer));
      this.inflight.set(issuer, pending);
    }
    return pending;
  }

  private async fetchDocument(issuer: string): Promise<CachedDocument> {
    const url = discoveryUrl(issuer);
    const response = await this.fetcher(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new OidcDiscoveryError(`${url} answered ${response.status}`);
    }
    if (Number(response.headers.get("content-length") ?? 0) > this.options.maxBytes) {
      await response.body?.cancel();
      throw new OidcDiscoveryError(`${url} is larger than ${this.options.maxBytes} bytes`);
    }
    const text = await response.text();
    if (text.length > this.options.maxBytes) throw new OidcDiscoveryError(`${url} is larger than ${this.options.maxBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new OidcDiscoveryError(`${url} is not JSON`);
    }
    const parsed = discoverySchema.safeParse(body);
    if (!parsed.success) throw new OidcDiscoveryError(`${url} has no http(s) "jwks_uri"`);
    const document = { jwksUri: parsed.data.jwks_uri, expiresAt: Date.now() + cacheLifetimeMs(response.headers.get("cache-control"), this.options) };
    this.documents.set(issuer, document);
    return document;
  }
}
