import type { ForwardedBatch, QueueOutcome } from "./queue-outcome";

/*
 * The analytics queue's consumer in the gateway's workerd process: it hands
 * each delivery to the pump, which runs in a workerd process of its own (so
 * the test can kill it), and applies the pump's acks and retries to the real
 * batch. A pump that dies mid-batch makes this invocation fail, and the queue
 * redelivers the batch, as Cloudflare Queues does when a consumer invocation
 * dies. While the pump's process is down, a delivery waits for it to come
 * back: on Cloudflare every delivery gets a live consumer.
 */

interface Env {
  PUMP: Fetcher;
}

const readyPollMs = 50;
const readyTimeoutMs = 20_000;

/** Record ids of the batches being handed to the pump now, for the test to watch. */
const inFlight = new Map<number, string[]>();
/** `redelivered`: messages handed over on a second or later attempt. */
const totals = { deliveries: 0, failed: 0, acked: 0, retried: 0, redelivered: 0 };
let serial = 0;

async function pumpReady(env: Env): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    try {
      const response = await env.PUMP.fetch("http://pump/ready");
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // The pump's process is down or starting.
    }
    if (Date.now() > deadline) throw new Error(`the pump did not come back within ${readyTimeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, readyPollMs));
  }
}

function recordId(body: unknown): string {
  return typeof body === "object" && body !== null && "id" in body ? String(body.id) : "";
}

function apply(batch: MessageBatch<unknown>, outcome: QueueOutcome): void {
  if (outcome.outcome !== "ok") throw new Error(`the pump's queue handler ended with outcome ${outcome.outcome}`);
  const byId = new Map(batch.messages.map((message) => [message.id, message]));
  for (const id of outcome.explicitAcks) byId.get(id)?.ack();
  if (outcome.retryBatch.retry) {
    batch.retryAll({ delaySeconds: outcome.retryBatch.delaySeconds });
    totals.retried += batch.messages.length;
    return;
  }
  for (const retry of outcome.retryMessages) byId.get(retry.msgId)?.retry({ delaySeconds: retry.delaySeconds });
  totals.retried += outcome.retryMessages.length;
  totals.acked += batch.messages.length - outcome.retryMessages.length;
}

export default {
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    await pumpReady(env);
    const forwarded: ForwardedBatch = {
      queue: batch.queue,
      messages: batch.messages.map((message) => ({ id: message.id, timestamp: message.timestamp.getTime(), body: message.body, attempts: message.attempts })),
    };
    const key = serial++;
    inFlight.set(
      key,
      batch.messages.map((message) => recordId(message.body)),
    );
    totals.deliveries++;
    totals.redelivered += batch.messages.filter((message) => message.attempts > 1).length;
    try {
      const response = await env.PUMP.fetch("http://pump/queue", { method: "POST", body: JSON.stringify(forwarded) });
      if (!response.ok) throw new Error(`the pump's process answered ${response.status}: ${await response.text()}`);
      apply(batch, await response.json<QueueOutcome>());
    } catch (error) {
      totals.failed++;
      throw error;
    } finally {
      inFlight.delete(key);
    }
  },

  /** GET /state: the batches in the pump now (their record ids) and the totals so far. */
  async fetch(): Promise<Response> {
    return Response.json({ inFlight: [...inFlight.values()], ...totals });
  },
};
