import { isolateLogger } from "../lib/logger";
import type { Store } from "../store";

/** The store's state as the last check found it. */
export interface LivenessResult {
  ok: boolean;
  /** When the check ran, RFC 3339 without fractions (Tyk's `time`). */
  time: string;
}

/**
 * The datastore check behind `/hello`, run at most once per window: Tyk checks in
 * the background every `check_duration` and serves the last result, so a flood
 * of `/hello` never reaches the store. Concurrent requests share a check under way.
 */
export class LivenessCheck {
  private last: { result: LivenessResult; at: number } | undefined;
  private running: Promise<LivenessResult> | undefined;

  constructor(
    private readonly store: Store,
    private readonly windowMs: number,
    /** For the log line of a failed check. */
    private readonly storageType: string,
  ) {}

  result(now = Date.now()): LivenessResult | Promise<LivenessResult> {
    if (this.last && now - this.last.at < this.windowMs) return this.last.result;
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async check(): Promise<LivenessResult> {
    const at = Date.now();
    const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
    let result: LivenessResult;
    try {
      await this.store.ping();
      result = { ok: true, time };
    } catch (error) {
      // Logged once per check, not once per request that reads the result.
      isolateLogger.error("store health check failed", { storage: this.storageType, error });
      result = { ok: false, time };
    }
    this.last = { result, at };
    return result;
  }
}
