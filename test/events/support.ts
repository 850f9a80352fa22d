import { env } from "cloudflare:test";
import { inject } from "vitest";
import type { ReceivedWebhook } from "../support/webhook-receiver";
import { keylessApi } from "../support/gateway";

/** The receiver's URL for one inbox: each test uses its own. */
export const hookUrl = (inbox: string) => `${inject("webhookReceiverUrl")}/hooks/${inbox}`;

export async function received(inbox: string): Promise<ReceivedWebhook[]> {
  const response = await fetch(`${inject("webhookReceiverUrl")}/control/${inbox}`);
  return (await response.json()) as ReceivedWebhook[];
}

export async function failNext(inbox: string, times: number): Promise<void> {
  await fetch(`${inject("webhookReceiverUrl")}/control/${inbox}/fail?times=${times}`, { method: "POST" });
}

/** Waits (at most `withinMs`) until the inbox holds `count` calls, then returns them. */
export async function waitForCalls(inbox: string, count: number, withinMs = 5_000): Promise<ReceivedWebhook[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const calls = await received(inbox);
    if (calls.length >= count || Date.now() > deadline) return calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Messages the dead-letter queue received (the test-only capture worker consumes it). */
export async function deadLettered(): Promise<{ body: { apiId: string; event: string; webhook: { url: string } } }[]> {
  const response = await env.ANALYTICS_CAPTURE.fetch("http://capture/messages?queue=portcullis-events-dlq");
  return (await response.json()) as { body: { apiId: string; event: string; webhook: { url: string } } }[];
}

export function webhook(inbox: string, meta: Record<string, unknown> = {}) {
  return { handler_name: "eh_web_hook_handler", handler_meta: { method: "POST", target_path: hookUrl(inbox), ...meta } };
}

/** An auth token API whose events go to the given handlers. */
export function protectedApi(apiId: string, events: Record<string, unknown[]>, overrides: Record<string, unknown> = {}) {
  return keylessApi({
    api_id: apiId,
    use_keyless: false,
    use_standard_auth: true,
    proxy: { listen_path: `/${apiId}/` },
    event_handlers: { events },
    ...overrides,
  });
}
