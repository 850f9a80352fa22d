import * as z from "zod";
import { flag } from "../lib/env";

/*
 * Segmented regions, after Tyk's `db_app_conf_options.node_is_segmented` and
 * `db_app_conf_options.tags`: a segmented gateway serves only the APIs whose
 * `tags` share at least one value with its own (exact, case-sensitive); an
 * untagged API is served by unsegmented gateways only. Each Cloudflare
 * environment (`wrangler.toml` `[env.<region>]`) sets its own tags.
 */

/** Tyk reads `tags` from the environment as a comma-separated list. */
const tagList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean),
  );

export const regionEnvShape = {
  TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: flag(false),
  TYK_GW_DBAPPCONFOPTIONS_TAGS: tagList,
};

type RegionEnv = z.output<z.ZodObject<typeof regionEnvShape>>;

/** undefined: this gateway is not segmented and serves every API. */
export type RegionSettings = { tags: ReadonlySet<string> } | undefined;

export function regionSettings(env: RegionEnv): RegionSettings {
  return env.TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED ? { tags: new Set(env.TYK_GW_DBAPPCONFOPTIONS_TAGS) } : undefined;
}

/** Only the fields the decision reads; the definition's own validation happens when it compiles. */
const taggedDefinition = z.object({
  tags: z.array(z.unknown()).nullish(),
  // A definition that turns its tags off has none to be segmented by, so a segmented gateway does not load it.
  tags_disabled: z.boolean().nullish(),
});

/** Whether this gateway serves the stored definition; an unsegmented gateway serves them all. */
export function servedInRegion(definition: unknown, region: RegionSettings): boolean {
  if (!region) return true;
  const parsed = taggedDefinition.safeParse(definition);
  if (!parsed.success || parsed.data.tags_disabled) return false;
  return (parsed.data.tags ?? []).some((tag) => typeof tag === "string" && region.tags.has(tag));
}
