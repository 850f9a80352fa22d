import type { Logger } from "../lib/logger";
import { hashKey } from "../session/keys";
import { LimiterClient } from "./client";
import type { LimitsSettings } from "./config";
import type { RateLimiter } from "./durable-object";

/**
 * Rate limits and quotas for the life of an isolate: the settings, the client
 * of the RateLimiter objects, and the count of requests decided without them.
 */
export class Limits {
  readonly client: LimiterClient;
  private unavailableCount = 0;

  constructor(
    readonly settings: LimitsSettings,
    namespace: DurableObjectNamespace<RateLimiter> | undefined,
    private readonly keysAreHashed: boolean,
  ) {
    this.client = new LimiterClient(namespace, settings);
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
  async keyLimiterName(storageId: string): Promise<string> {
    return `key:${this.keysAreHashed ? storageId : await hashKey(storageId, "sha256")}`;
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
