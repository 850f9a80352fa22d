import type { AnalyticsRecord } from "../../src/contract/analytics-record";
import type { UptimeRecord } from "../../src/contract/uptime-record";
import { isolateLogger, type Logger } from "../../src/lib/logger";
import { pumpConfig, retryDelaySeconds, type PumpConfig } from "./config";
import { parseMessage } from "./messages";
import { sinksFor } from "./sinks";
import type { Records } from "./sinks/sink";

/**
 * An invalid record can never be written, so retrying it only delays its
 * batch: it goes to the dead-letter queue at once, unchanged, and alone. If
 * that send fails it is retried, and Queues dead-letters it after
 * max_retries anyway.
 */
async function deadLetter(poison: Message<unknown>[], config: PumpConfig, log: Logger): Promise<void> {
  if (poison.length === 0) return;
  const queue = config.DEAD_LETTER_QUEUE;
  try {
    if (!queue) throw new Error("no DEAD_LETTER_QUEUE binding");
    await queue.sendBatch(poison.map((message) => ({ body: message.body })));
    for (const message of poison) message.ack();
  } catch (error) {
    log.error("could not dead-letter invalid analytics records; retrying them", { count: poison.length, error });
    for (const message of poison) message.retry();
  }
}

/**
 * Valid messages with their records by kind, and invalid ones. The same
 * record can arrive twice in one batch (the producer retried a send): it is
 * written once.
 */
function split(messages: readonly Message<unknown>[], log: Logger): { valid: Message<unknown>[]; records: Records; poison: Message<unknown>[] } {
  const valid: Message<unknown>[] = [];
  const poison: Message<unknown>[] = [];
  const requests = new Map<string, AnalyticsRecord>();
  const uptime = new Map<string, UptimeRecord>();
  for (const message of messages) {
    const parsed = parseMessage(message.body);
    if (!parsed.ok) {
      poison.push(message);
      log.warn("invalid analytics record sent to the dead-letter queue", { message_id: message.id, kind: parsed.kind, error: parsed.error });
      continue;
    }
    valid.push(message);
    if (parsed.value.kind === "uptime") uptime.set(parsed.value.record.id, parsed.value.record);
    else requests.set(parsed.value.record.id, parsed.value.record);
  }
  return { valid, poison, records: { requests: [...requests.values()], uptime: [...uptime.values()] } };
}

/**
 * One queue batch: invalid messages to the dead-letter queue, valid records
 * of both kinds to every sink, and each valid message acked only after every
 * sink committed it. If any sink fails, the valid messages are retried with
 * exponential backoff; sinks are idempotent, so the ones that had succeeded
 * skip the records on the next delivery.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, env: object): Promise<void> {
  // A batch is the pump's unit of work: its lines share one id, as a request's lines do in the gateway.
  const log = isolateLogger.with({ request_id: crypto.randomUUID(), queue: batch.queue });
  let config: PumpConfig;
  try {
    config = pumpConfig(env);
  } catch (error) {
    log.error(String(error instanceof Error ? error.message : error));
    batch.retryAll();
    return;
  }
  const { valid, records, poison } = split(batch.messages, log);
  await deadLetter(poison, config, log);
  if (valid.length === 0) return;

  const sinks = sinksFor(config);
  const results = await Promise.allSettled(sinks.map((sink) => sink.write(records)));
  const failed = results.flatMap((result, index) => (result.status === "rejected" ? [{ sink: sinks[index]!.name, error: String(result.reason) }] : []));
  if (failed.length === 0) {
    for (const message of valid) message.ack();
    return;
  }
  log.error("analytics sink write failed; the batch will be retried", { records: records.requests.length, uptime: records.uptime.length, failed });
  for (const message of valid) message.retry({ delaySeconds: retryDelaySeconds(config, message.attempts) });
}
