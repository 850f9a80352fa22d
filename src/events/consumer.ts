import { isolateLogger, type Logger } from "../lib/logger";
import { renderWebhookBody } from "./body";
import type { EventSettings } from "./config";
import { Cooldown, requestChecksum } from "./cooldown";
import { type EventMessage, eventMessageSchema } from "./message";

/*
 * The EVENTS queue's consumer: one webhook call per message. A call that
 * fails (no answer in time, or a status outside 2xx) is retried through the
 * queue with a doubling delay; after the consumer's max_retries Queues moves
 * it to the dead-letter queue (wrangler.toml). A message that cannot be sent
 * at all (invalid, or its template fails) is logged and acknowledged: retrying
 * would fail the same way.
 */

const maxRetryDelaySeconds = 600;
const userAgent = "Tyk-Hookshot";

type Outcome = "sent" | "suppressed" | "dropped" | "failed";

export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  return Math.min(baseSeconds * 2 ** Math.max(attempts - 1, 0), maxRetryDelaySeconds);
}

async function call(message: EventMessage, body: string, timeoutMs: number, log: Logger): Promise<boolean> {
  const { webhook } = message;
  const headers = new Headers(webhook.headers);
  headers.set("user-agent", userAgent);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  // fetch refuses a GET body: Tyk's docs say such methods do not carry the event.
  const withBody = webhook.method !== "GET";
  try {
    const response = await fetch(webhook.url, { method: webhook.method, headers, body: withBody ? body : undefined, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.ok) return true;
    log.warn("Request to webhook failed", { status: response.status });
  } catch (error) {
    log.warn("Webhook request failed", { error: error instanceof Error ? error.message : String(error) });
  }
  return false;
}

/** Calls of one batch by checksum, so a repeat in the same batch waits for the first instead of racing its cooldown. */
type InFlight = Map<string, Promise<Outcome>>;

async function send(message: EventMessage, body: string, checksum: string, settings: EventSettings, cooldown: Cooldown, log: Logger): Promise<Outcome> {
  if (message.webhook.eventTimeout > 0 && (await cooldown.active(checksum))) return "suppressed";
  if (!(await call(message, body, settings.webhookTimeoutMs, log))) return "failed";
  await cooldown.start(checksum, message.webhook.eventTimeout);
  return "sent";
}

async function deliver(message: EventMessage, settings: EventSettings, cooldown: Cooldown, inFlight: InFlight, log: Logger): Promise<Outcome> {
  let body: string;
  try {
    body = renderWebhookBody(message);
  } catch (error) {
    log.error("Webhook template rendering error", { error: error instanceof Error ? error.message : String(error) });
    return "dropped";
  }
  const checksum = await requestChecksum(message.webhook, body);
  const first = message.webhook.eventTimeout > 0 ? inFlight.get(checksum) : undefined;
  // A repeat of a request this batch sent is suppressed; of one that failed, it is retried with it.
  if (first) return (await first) === "failed" ? "failed" : "suppressed";
  const outcome = send(message, body, checksum, settings, cooldown, log);
  inFlight.set(checksum, outcome);
  return outcome;
}

export async function consumeEvents(batch: MessageBatch<unknown>, settings: EventSettings, cache: Cache): Promise<void> {
  const cooldown = new Cooldown(cache);
  const inFlight: InFlight = new Map();
  await Promise.all(
    batch.messages.map(async (queued) => {
      const parsed = eventMessageSchema.safeParse(queued.body);
      if (!parsed.success) {
        isolateLogger.error("event message dropped: not an event this gateway sends", { queue: batch.queue, id: queued.id });
        queued.ack();
        return;
      }
      const message = parsed.data;
      const log = isolateLogger.with({ api_id: message.apiId, event: message.event, target: message.webhook.url, attempts: queued.attempts });
      const outcome = await deliver(message, settings, cooldown, inFlight, log);
      if (outcome === "failed") queued.retry({ delaySeconds: retryDelaySeconds(queued.attempts, settings.retryBaseSeconds) });
      else queued.ack();
    }),
  );
}
