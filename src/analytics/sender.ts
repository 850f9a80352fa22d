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

/**
 * Puts records on the analytics queue, several per `sendBatch` when requests
 * finish close together in one isolate. Each request's `waitUntil` runs one
 * flush: it waits `flushMs` for records from other requests, then sends
 * whatever is pending, its own record included unless an earlier flush took
 * it. No request waits on another request's promise, which Workers forbids
 * across request contexts. A failed send is logged and counted, never thrown.
 * Once a full batch is pending it goes at once: waiting could not make it
 * bigger, and would hold up to `flushMs` of traffic (10 s at most) in memory.
 */
export class AnalyticsSender {
  private pending: Pending[] = [];
  private pendingBytes = 0;
  /** Isolate totals, so every "records dropped" log line says how many were lost so far. */
  readonly counters = { sent: 0, dropped: 0 };

  constructor(private readonly queue: Queue) {}

  async submit(record: AnalyticsRecord, flushMs: number): Promise<void> {
    const bytes = encoder.encode(JSON.stringify(record)).byteLength;
    this.pending.push({ record, bytes });
    this.pendingBytes += bytes;
    const full = this.pending.length >= maxMessagesPerBatch || this.pendingBytes >= maxBytesPerBatch;
    if (flushMs > 0 && !full) await pause(flushMs);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.pendingBytes = 0;
    for (const batch of batches(this.pending.splice(0))) {
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
