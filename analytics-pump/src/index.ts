import { consumeBatch } from "./consumer";
import { dashboardApp } from "./dashboard/routes";

/** The analytics pump Worker: the queue consumer, and the analytics dashboard over HTTP. */
export default {
  fetch: (request, env, ctx) => dashboardApp.fetch(request, env, ctx),
  async queue(batch, env) {
    await consumeBatch(batch, env);
  },
} satisfies ExportedHandler<object, unknown>;
