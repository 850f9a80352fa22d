import { hex, utf8 } from "../lib/encoding";
import type { QueuedWebhook } from "./message";

/*
 * Tyk's `event_timeout`: a webhook request identical to one sent less than
 * `event_timeout` seconds ago (same method, URL, headers and rendered body) is
 * not sent again. Tyk keeps a Redis key per checksum; here it is an entry in
 * the Cache API of the location the consumer runs in, which expires on its
 * own. So the guarantee is per location: consumer invocations in two
 * locations may each send once. On a workers.dev domain the Cache API stores
 * nothing, and nothing is suppressed.
 */

const cooldownOrigin = "https://webhook-cooldown.portcullis.invalid/";

export async function requestChecksum(webhook: QueuedWebhook, body: string): Promise<string> {
  const headers = Object.entries(webhook.headers)
    .map(([name, value]) => `${name.toLowerCase()}: ${value}`)
    .sort()
    .join("\n");
  const wire = `${webhook.method} ${webhook.url}\n${headers}\n\n${body}`;
  return hex(await crypto.subtle.digest("SHA-256", utf8(wire)));
}

export class Cooldown {
  constructor(private readonly cache: Cache) {}

  async active(checksum: string): Promise<boolean> {
    return (await this.cache.match(cooldownOrigin + checksum)) !== undefined;
  }

  async start(checksum: string, seconds: number): Promise<void> {
    if (seconds <= 0) return;
    await this.cache.put(cooldownOrigin + checksum, new Response("1", { headers: { "cache-control": `max-age=${seconds}` } }));
  }
}
