import { consumeBatch } from "./consumer";

/** The analytics pump Worker: a queue consumer only. */
export default {
  async queue(batch, env) {
    await consumeBatch(batch, env);
  },
} satisfies ExportedHandler<object, unknown>;
