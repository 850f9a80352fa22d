import * as z from "zod";
import { hex, utf8 } from "../lib/encoding";
import { LruCache } from "../lib/lru";

/*
 * RFC 7662 token introspection as Tyk's external OAuth calls it: a form POST
 * of `token`, `client_id` and `client_secret` (in the body, as Tyk sends them,
 * not as HTTP Basic) that must answer 200 with a JSON object. Anything else
 * (no answer within the time limit, another status, a body that is not a JSON
 * object or is too large) is an IntrospectionError, never an answer.
 *
 * With `cache.enabled`, answers are kept per isolate (Tyk keeps them in Redis)
 * for `cache.timeout` seconds, 0 meaning as long as the isolate keeps them.
 * Whoever reads a remembered answer checks its `exp` (Tyk refuses a cached
 * token past its expiry rather than asking again). Entries are keyed by a
 * SHA-256 of the endpoint, the client id and the token, so no token is held in
 * memory as a key. Concurrent requests with one token share one call. The
 * cache's memory is bounded by its entry count times the largest answer it
 * keeps (`maxCachedBytes`); larger answers are used but not remembered.
 */

export interface IntrospectionSettings {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Seconds an answer is remembered, 0 for no time limit; null when the cache is off. */
  cacheSeconds: number | null;
}

export type IntrospectionClaims = Record<string, unknown>;

export interface Introspected {
  claims: IntrospectionClaims;
  /** The answer was remembered from an earlier call. */
  cached: boolean;
}

export interface IntrospectorOptions {
  timeoutMs: number;
  /** Largest answer read at all. */
  maxBytes: number;
  /** Largest answer remembered. */
  maxCachedBytes: number;
  maxEntries: number;
}

export const defaultIntrospectorOptions: IntrospectorOptions = { timeoutMs: 2_000, maxBytes: 64 * 1024, maxCachedBytes: 4 * 1024, maxEntries: 5_000 };

export class IntrospectionError extends Error {
  override name = "IntrospectionError";
}

const claimsSchema = z.record(z.string(), z.unknown());

interface Remembered {
  claims: IntrospectionClaims;
  expiresAt: number;
}

export class Introspector {
  private readonly answers: LruCache<string, Remembered>;
  private readonly inflight = new Map<string, Promise<{ claims: IntrospectionClaims; size: number }>>();

  constructor(
    private readonly options: IntrospectorOptions = defaultIntrospectorOptions,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.answers = new LruCache(options.maxEntries);
  }

  async introspect(settings: IntrospectionSettings, token: string): Promise<Introspected> {
    const key = hex(await crypto.subtle.digest("SHA-256", utf8(`${settings.url}\u0000${settings.clientId}\u0000${token}`)));
    if (settings.cacheSeconds !== null) {
      const remembered = this.answers.get(key);
      if (remembered && remembered.expiresAt > Date.now()) return { claims: remembered.claims, cached: true };
      if (remembered) this.answers.delete(key);
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.call(settings, token).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const { claims, size } = await pending;
    if (settings.cacheSeconds !== null && size <= this.options.maxCachedBytes) {
      const expiresAt = settings.cacheSeconds > 0 ? Date.now() + settings.cacheSeconds * 1000 : Number.POSITIVE_INFINITY;
      this.answers.set(key, { claims, expiresAt });
    }
    return { claims, cached: false };
  }

  private async call(settings: IntrospectionSettings, token: string): Promise<{ claims: IntrospectionClaims; size: number }> {
    const body = new URLSearchParams({ token, client_id: settings.clientId, client_secret: settings.clientSecret });
    let response: Response;
    try {
      response = await this.fetcher(settings.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new IntrospectionError(`introspection call to ${settings.url} failed: ${String(error)}`);
    }
    const text = await this.readBounded(response, settings.url);
    if (response.status !== 200) throw new IntrospectionError(`introspection endpoint ${settings.url} answered ${response.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new IntrospectionError(`introspection endpoint ${settings.url} did not answer JSON`);
    }
    const claims = claimsSchema.safeParse(parsed);
    if (!claims.success) throw new IntrospectionError(`introspection endpoint ${settings.url} did not answer a JSON object`);
    return { claims: claims.data, size: text.length };
  }

  private async readBounded(response: Response, url: string): Promise<string> {
    const tooLarge = () => new IntrospectionError(`introspection answer from ${url} is larger than ${this.options.maxBytes} bytes`);
    if (Number(response.headers.get("content-length") ?? 0) > this.options.maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new IntrospectionError(`introspection answer from ${url} could not be read: ${String(error)}`);
    }
    if (text.length > this.options.maxBytes) throw tooLarge();
    return text;
  }
}
