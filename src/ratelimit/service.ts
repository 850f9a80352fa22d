import type { Logger } from "../lib/logger";
import { hashKey } from "../session/keys";
import { LimiterClient, type LimitTarget } from "./client";
import type { LimitsSettings } from "./config";
import type { RateLimiter } from "./durable-object";
import type { EdgeLimits } from "./edge";

/**
 * Rate limits and quotas for the life of an isolate: the settings, the client
 * of the RateLimiter objects, and the count of requests decided without them.
 */
/** A key's limiter target on one API, remembered for the key's session object. */
export interface KeyPlan {
  storageId: string;
  target: LimitTarget | null;
}

export class Limits {
  readonly client: LimiterClient;
  /**
   * Key plans per session object and compiled API limits (both live as long as
   * the isolate's caches keep them), so a cached key's request builds no specs,
   * names or pool keys.
   */
  readonly keyPlans = new WeakMap<object, WeakMap<object, KeyPlan>>();
  private unavailableCount = 0;

  constructor(
    readonly settings: LimitsSettings,
    namespace: DurableObjectNamespace<RateLimiter> | undefined,
    private readonly keysAreHashed: boolean,
    edge: EdgeLimits,
  ) {
    this.client = new LimiterClient(namespace, settings, edge);
  }

  /** Requests this isolate decided without a limiter answer (`rate limiter unavailable` log lines). */
  get unavailableTotal(): number {
    return this.unavailableCount;
  }

  /**
   * The limiter object of a key, from its storage id. Objects are named after
   * hashed keys only: with key hashing off the storage id is the raw key, so it
   * is hashed here.
   */
  keyLimiterName(storageId: string): string | Promise<string> {
    if (this.keysAreHashed) return `key:${storageId}`;
    const hash = hashKey(storageId, "sha256");
    return typeof hash === "string" ? `key:${hash}` : hash.then((hashed) => `key:${hashed}`);
  }

  /** Counts and logs a limiter failure; the stable message is what alerts should match. */
  recordUnavailable(limiter: string, error: unknown, log: Logger): void {
    this.unavailableCount++;
    log.error("rate limiter unavailable", {
      failure_mode: this.settings.failOpen ? "open" : "closed",
      limiter,
      error,
      unavailable_in_isolate: this.unavailableCount,
    });
  }
}
