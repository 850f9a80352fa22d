import * as z from "zod";
import { definePlugin, type PluginContext } from "./api";

/*
 * Example plugin: sets an upstream header from a lookup table in the API's
 * `config_data`, keyed by a request header, e.g. a customer id → its tier:
 *
 *   "config_data": { "header_lookup": { "from": "X-Customer", "to": "X-Customer-Tier",
 *                    "table": { "acme": "gold" }, "default": "standard" } }
 *
 * Works as a pre, post_key_auth or post hook. The table is parsed once per
 * config_data object (a new snapshot brings a new object), not per request.
 */

const lookupSchema = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  table: z.record(z.string(), z.string()).default({}),
  default: z.string().optional(),
});
type Lookup = z.output<typeof lookupSchema>;

const parsed = new WeakMap<object, Lookup | null>();

function lookupOf(ctx: PluginContext): Lookup | null {
  let lookup = parsed.get(ctx.configData);
  if (lookup === undefined) {
    const result = lookupSchema.safeParse(ctx.configData["header_lookup"]);
    if (!result.success) ctx.log.warn("addHeaderFromLookup: config_data.header_lookup is missing or invalid", { issues: result.error.issues });
    lookup = result.success ? result.data : null;
    parsed.set(ctx.configData, lookup);
  }
  return lookup;
}

function addHeader(ctx: PluginContext): undefined {
  const lookup = lookupOf(ctx);
  if (!lookup) return undefined;
  const key = ctx.request.headers.get(lookup.from);
  const value = (key !== null && Object.hasOwn(lookup.table, key) ? lookup.table[key] : undefined) ?? lookup.default;
  if (value !== undefined) ctx.upstream.headers.set(lookup.to, value);
  return undefined;
}

export const addHeaderFromLookup = definePlugin({ pre: addHeader, post_key_auth: addHeader, post: addHeader });
