import { createApp } from "./app";
import type { Bindings } from "./chain/gateway";
import { consumeEvents } from "./events/consumer";
import { gatewayFor } from "./gateway";

export { RateLimiter } from "./ratelimit/durable-object";
export { CircuitBreaker } from "./breaker/durable-object";
export { HostChecker } from "./uptime/host-checker";
export { Revocations } from "./revocation/durable-object";
export { OAuthGrants } from "./oauth/grants-object";

const app = createApp();

export default {
  fetch: app.fetch,
  /** The Cron Trigger (every minute): arms the uptime checkers of the APIs that have uptime tests. */
  async scheduled(_controller, env) {
    await gatewayFor(env).checkerArming.run();
  },
  /** The EVENTS queue (this Worker's own): sends the webhooks of raised events, with retries and a dead-letter queue. */
  async queue(batch, env) {
    await consumeEvents(batch, gatewayFor(env).config.events, caches.default);
  },
} satisfies ExportedHandler<Bindings>;
