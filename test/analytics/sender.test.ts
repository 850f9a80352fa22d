import { describe, expect, it } from "vitest";
import { AnalyticsSender } from "../../src/analytics/sender";
import type { AnalyticsRecord } from "../../src/contract/analytics-record";
import { sampleRecord } from "./support/sample-record";

/** Records what a Queue producer was asked to send; `failing` makes every send throw. */
class RecordingQueue {
  readonly batches: AnalyticsRecord[][] = [];
  constructor(private readonly failing = false) {}

  async sendBatch(messages: Iterable<MessageSendRequest<AnalyticsRecord>>): Promise<void> {
    if (this.failing) throw new Error("queue unavailable");
    this.batches.push([...messages].map((message) => message.body));
  }
}

const asQueue = (queue: RecordingQueue) => queue as unknown as Queue;

describe("analytics sender", () => {
  it("sends records that arrive together in shared batches of at most 100", async () => {
    const queue = new RecordingQueue();
    const sender = new AnalyticsSender(asQueue(queue));
    const records = Array.from({ length: 250 }, (_, index) => sampleRecord(index));
    await Promise.all(records.map((record) => sender.submit(() => record, 5)));
    expect(queue.batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(queue.batches.flat().map((record) => record.id)).toEqual(records.map((record) => record.id));
  });

  it("keeps each batch under the 256 KB sendBatch limit", async () => {
    const queue = new RecordingQueue();
    const sender = new AnalyticsSender(asQueue(queue));
    const records = Array.from({ length: 10 }, (_, index) => sampleRecord(index, { raw_request: "r".repeat(60_000) }));
    await Promise.all(records.map((record) => sender.submit(() => record, 5)));
    for (const batch of queue.batches) expect(new TextEncoder().encode(JSON.stringify(batch)).byteLength).toBeLessThan(256 * 1024);
    expect(queue.batches.flat()).toHaveLength(10);
  });

  it("sends a full batch at once instead of holding it for the flush delay", async () => {
    const queue = new RecordingQueue();
    const sender = new AnalyticsSender(asQueue(queue));
    const startedAt = Date.now();
    const submits = Array.from({ length: 100 }, (_, index) => sender.submit(() => sampleRecord(index), 2_000));
    await submits.at(-1);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(queue.batches.map((batch) => batch.length)).toEqual([100]);
    await Promise.all(submits);
    expect(queue.batches.map((batch) => batch.length)).toEqual([100]);
  });

  it("builds records at flush time and drops only the one whose build fails", async () => {
    const queue = new RecordingQueue();
    const sender = new AnalyticsSender(asQueue(queue));
    const built: number[] = [];
    const records = [1, 2, 3].map((index) => sampleRecord(index));
    const submits = [0, 1, 2].map((index) =>
      sender.submit(() => {
        built.push(index);
        if (index === 1) throw new Error("broken record");
        return records[index]!;
      }, 5),
    );
    expect(built).toEqual([]);
    await Promise.all(submits);
    expect(built).toEqual([0, 1, 2]);
    expect(queue.batches.flat().map((record) => record.id)).toEqual([records[0]!.id, records[2]!.id]);
    expect(sender.counters).toEqual({ sent: 2, dropped: 1 });
  });

  it("counts and logs a failed send instead of throwing", async () => {
    const sender = new AnalyticsSender(asQueue(new RecordingQueue(true)));
    await expect(sender.submit(() => sampleRecord(1), 0)).resolves.toBeUndefined();
    expect(sender.counters).toEqual({ sent: 0, dropped: 1 });
  });
});
