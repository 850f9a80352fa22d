import type { PluginRegistry } from "./api";
import { addHeaderFromLookup } from "./add-header-from-lookup";
import { noop } from "./noop";
import { partnerAuth } from "./partner-auth";

/*
 * The plugin registry: the one file to edit to make a plugin available. Each
 * name here is what API definitions use in `custom_middleware` (`name`) and as
 * a virtual endpoint's `response_function_name`. Plugins are bundled into the
 * Worker by `wrangler deploy`; an API naming a plugin missing here is not served.
 * See docs/plugins.md.
 */
export const plugins: PluginRegistry = {
  addHeaderFromLookup,
  noop,
  partnerAuth,
};
