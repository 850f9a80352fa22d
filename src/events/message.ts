import * as z from "zod";

/*
 * What the gateway puts on the EVENTS queue: one message per webhook to call,
 * carrying the webhook's settings as the API definition had them when the
 * event was raised, so the consumer needs no config snapshot.
 */

export const webhookMethods = ["GET", "PUT", "POST", "DELETE", "PATCH"] as const;

export const queuedWebhookSchema = z.object({
  method: z.enum(webhookMethods),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()),
  /** The Go template of the body; null: the default template. */
  template: z.string().nullable(),
  /** Seconds during which the same rendered request is not sent again; 0: never suppressed. */
  eventTimeout: z.number().int().nonnegative(),
});

export const eventMessageSchema = z.object({
  apiId: z.string(),
  event: z.string(),
  meta: z.record(z.string(), z.json()),
  timestamp: z.string(),
  webhook: queuedWebhookSchema,
});

export type QueuedWebhook = z.output<typeof queuedWebhookSchema>;
export type EventMessage = z.output<typeof eventMessageSchema>;
