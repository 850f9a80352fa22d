import type { RequestContext } from "../chain/context";
import { readBounded } from "../lib/bounded-body";
import type { Logger } from "../lib/logger";
import type { TargetSource } from "./balancer";
import { parseDiscoveryAnswer, type ServiceDiscoveryConfig, targetUrl } from "./discovery-parse";

/*
 * One API's discovered targets, cached in the isolate (Tyk's ServiceCache,
 * gateway/reverse_proxy.go urlFromService). A request waits for the discovery
 * service only while there is no list yet; once there is one, an expired list
 * keeps serving while one refresh runs in the background, where Tyk makes the
 * request that finds the cache expired wait for it. Concurrent refreshes are
 * one. A failed refresh (unreachable, not 2xx, too large, not JSON, no host)
 * is logged and keeps the last good list, where Tyk falls back to the
 * definition's target on a failed query; with no good list yet the request
 * goes to the definition's own target, as in Tyk.
 */

/** Tyk's `service_discovery.default_cache_timeout` when the gateway config leaves it at 0 (gateway/server.go). */
const tykDefaultCacheSeconds = 120;
/** A failed refresh is retried after this long at most (sooner when the cache timeout is shorter). */
const retryAfterFailureMs = 5_000;
/** How long the discovery service has to answer, and how much it may send. */
const queryTimeoutMs = 5_000;
const maxAnswerBytes = 1024 * 1024;

export interface DiscoverySettings {
  /** Scheme for hosts given without one (Tyk's EnsureTransport uses the API's protocol). */
  scheme: "http" | "https";
  /** `proxy.enable_load_balancing`: without it Tyk sends every request to the first host. */
  loadBalanced: boolean;
}

class DiscoveryError extends Error {
  override name = "DiscoveryError";
}

/** Seconds a good list is kept: `cache_timeout`, or Tyk's gateway default when it is 0 or the cache is "disabled" (Tyk then uses the default too). */
export function cacheLifetimeMs(config: ServiceDiscoveryConfig): number {
  const seconds = config.cache_disabled || config.cache_timeout <= 0 ? tykDefaultCacheSeconds : config.cache_timeout;
  return seconds * 1000;
}

export class ServiceDiscovery {
  private list: readonly URL[] | undefined;
  /** Until then the list (or, after a failure, the wait before retrying) stands; 0: refresh on the next request. */
  private freshUntil = 0;
  private refreshing: Promise<void> | undefined;
  private readonly lifetimeMs: number;

  constructor(
    private readonly config: ServiceDiscoveryConfig,
    private readonly settings: DiscoverySettings,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.lifetimeMs = cacheLifetimeMs(config);
  }

  /** The last good list, refreshed first when there is none; undefined while the service has given none. */
  async current(ctx: RequestContext): Promise<readonly URL[] | undefined> {
    if (Date.now() >= this.freshUntil) {
      const refresh = this.refresh(ctx.log);
      if (this.list === undefined) await refresh;
      else ctx.waitUntil(refresh);
    }
    return this.list;
  }

  /** Forgets the list's freshness: the next request starts a refresh (Tyk drops its cache on a hard timeout). */
  drop(): void {
    this.freshUntil = 0;
  }

  /** This API version's targets: the discovered list, else `fallback` (the definition's own target). */
  orElse(fallback: TargetSource): TargetSource {
    return { targets: async (ctx) => (await this.current(ctx)) ?? fallback.targets(ctx) };
  }

  private refresh(log: Logger): Promise<void> {
    this.refreshing ??= this.query()
      .then(
        (list) => {
          this.list = list;
          this.freshUntil = Date.now() + this.lifetimeMs;
        },
        (error: unknown) => {
          log.error(this.list ? "service discovery failed; keeping the last good target list" : "service discovery failed; using the definition's target", {
            query_endpoint: this.config.query_endpoint,
            error,
          });
          this.freshUntil = Date.now() + Math.min(this.lifetimeMs, retryAfterFailureMs);
        },
      )
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async query(): Promise<readonly URL[]> {
    const endpoint = this.config.query_endpoint;
    const response = await this.fetcher(endpoint, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(queryTimeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new DiscoveryError(`the discovery service answered ${response.status}`);
    }
    const tooLarge = () => new DiscoveryError(`the discovery answer is larger than ${maxAnswerBytes} bytes`);
    const body = new TextDecoder().decode(await readBounded(response.body, maxAnswerBytes, tooLarge));
    const urls = parseDiscoveryAnswer(body, this.config)
      .map((host) => targetUrl(host, this.settings.scheme))
      .filter((url) => url !== null);
    if (urls.length === 0) throw new DiscoveryError("the discovery answer names no usable host");
    return this.settings.loadBalanced ? urls : urls.slice(0, 1);
  }
}
