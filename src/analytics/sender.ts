import type { AnalyticsRecord } from "../contract/analytics-record";
import { isolateLogger } from "../lib/logger";

/** Cloudflare Queues limits for one `sendBatch` call. */
const maxMessagesPerBatch = 100;
const maxBytesPerBatch = 256 * 1024;

const encoder = new TextEncoder();

interface Pending {
  record: AnalyticsRecord;
  bytes: number;
}

function batches(pending: Pending[]): Pending[][] {
  const result: Pending[][] = [];
  let current: Pending[] = [];
  let bytes = 0;
  for (const item of pending) {
    if (current.length > 0 && (current.length === maxMessagesPerBatch || bytes + item.bytes > maxBytesPerBatch)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds a record; synchronous, so any request's flush may run it (it touches no I/O object of its request). */
export type RecordBuilder = () => AnalyticsRecord;

/**
 * Puts records on the analytics queue, several per `sendBatch` when requests
 * finish close together in one isolate. A request hands over a builder, not a
 * record: records are built and measured at flush time, after the responses
 * went out. Each request's `waitUntil` runs one flush: it waits `flushMs` for
 * records from other requests, then sends whatever is pending, its own record
 * included unless an earlier flush took it. No request waits on another
 * request's promise, which Workers forbids across request contexts. A failed
 * build or send is logged and counted, never thrown. Once a full batch is
 * pending it goes at once: waiting could not make it bigger.
 */
export class AnalyticsSender {
  private pending: RecordBuilder[] = [];
  /** Isolate totals, so every "records dropped" log line says how many were lost so far. */
  readonly counters = { sent: 0, dropped: 0 };

  constructor(private readonly queue: Queue) {}

  async submit(build: RecordBuilder, flushMs: number): Promise<void> {
    this.pending.push(build);
    if (flushMs > 0 && this.pending.length < maxMessagesPerBatch) await pause(flushMs);
    await this.flush();
  }

  private built(builders: RecordBuilder[]): Pending[] {
    const result: Pending[] = [];
    for (const build of builders) {
      try {
        const record = build();
        result.push({ record, bytes: encoder.encode(JSON.stringify(record)).byteLength });
      } catch (error) {
        this.counters.dropped += 1;
        isolateLogger.error("analytics record dropped: building the record failed", { dropped_total: this.counters.dropped, error });
      }
    }
    return result;
  }

  private async flush(): Promise<void> {
    for (const batch of batches(this.built(this.pending.splice(0)))) {
      try {
        await this.queue.sendBatch(batch.map(({ record }) => ({ body: record, contentType: "json" as const })));
        this.counters.sent += batch.length;
      } catch (error) {
        this.counters.dropped += batch.length;
        isolateLogger.error("analytics records dropped: the queue send failed", { records: batch.length, dropped_total: this.counters.dropped, error });
      }
    }
  }
}
