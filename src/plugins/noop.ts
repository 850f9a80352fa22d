import { definePlugin } from "./api";

/** Does nothing at any position: the smallest plugin, and the bench's measure of what a hook costs. */
export const noop = definePlugin({
  pre: () => undefined,
  post_key_auth: () => undefined,
  post: () => undefined,
  response: () => undefined,
});
