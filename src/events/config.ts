import * as z from "zod";
import type { EventMessage } from "./message";

/* Settings of event delivery: the queue webhooks go through, and how the consumer sends and retries them. */

const isQueue = (value: unknown): value is Queue<EventMessage> => typeof value === "object" && value !== null && "sendBatch" in value;

export const eventsEnvShape = {
  EVENTS: z.custom<Queue<EventMessage>>(isQueue, "must be a Queue producer binding").optional(),
  /** First retry delay of a failed webhook; each further retry doubles it, up to 10 minutes. */
  PORTCULLIS_EVENT_RETRY_SECONDS: z.coerce.number().int().min(0).max(600).default(5),
  /** How long the consumer waits for a webhook's answer (Tyk's webhook client waits 30 s). */
  PORTCULLIS_EVENT_WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(10),
};

type EventsEnv = z.output<z.ZodObject<typeof eventsEnvShape>>;

export interface EventSettings {
  /** Undefined without the EVENTS binding: webhook handlers then log an error instead of sending. */
  queue: Queue<EventMessage> | undefined;
  retryBaseSeconds: number;
  webhookTimeoutMs: number;
}

export function eventSettings(env: EventsEnv): EventSettings {
  return {
    queue: env.EVENTS,
    retryBaseSeconds: env.PORTCULLIS_EVENT_RETRY_SECONDS,
    webhookTimeoutMs: env.PORTCULLIS_EVENT_WEBHOOK_TIMEOUT_SECONDS * 1000,
  };
}
