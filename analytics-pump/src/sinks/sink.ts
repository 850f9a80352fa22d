import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import type { SinkName } from "../config";

/** One batch's valid records by kind, each id once: request records go to `tyk_analytics`, uptime results to `tyk_uptime_analytics`. */
export interface Records {
  requests: AnalyticsRecord[];
  uptime: UptimeRecord[];
}

/**
 * Somewhere records are stored. `write` resolves only once the records of
 * both kinds are committed, and is idempotent: a record whose id is already
 * stored in its table is skipped, so a redelivered batch (after a crash, a
 * timeout or a failure of another sink) changes nothing, aggregates included.
 */
export interface Sink {
  readonly name: SinkName;
  write(records: Records): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/**
 * Runs a sink's schema migrations once per isolate and target; a failed run is
 * forgotten so the next batch tries again.
 */
export class MigrationGate {
  private readonly done = new Map<unknown, Promise<void>>();

  /** `target` names the database: a binding object or a connection string. */
  ensure(target: unknown, migrate: () => Promise<void>): Promise<void> {
    let pending = this.done.get(target);
    if (!pending) {
      pending = migrate().catch((error: unknown) => {
        this.done.delete(target);
        throw error;
      });
      this.done.set(target, pending);
    }
    return pending;
  }
}
