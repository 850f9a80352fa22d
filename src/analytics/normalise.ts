import type { NormaliseUrls } from "./config";

const uuid = /[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}/g;
const ulid = /[0-7][0-9A-HJKMNP-TV-Z]{25}/g;
/**
 * Tyk replaces every `/<digits>` run, so `/v2abc` stays but `/123abc` becomes
 * `/{num}abc`; Portcullis only replaces whole numeric segments.
 */
const numberSegment = /\/\d+(?=\/|$)/g;

/**
 * Tyk's `analytics_config.normalise_urls`: collapses ids in the recorded path
 * so analytics group `/users/1` and `/users/2` as `/users/{num}`. Applied in
 * Tyk's order: UUIDs, ULIDs, numbers, then custom patterns (as `{var}`).
 */
export function normalisePath(path: string, options: NormaliseUrls): string {
  let result = path;
  if (options.uuids) result = result.replace(uuid, "{uuid}");
  if (options.ulids) result = result.replace(ulid, "{ulid}");
  if (options.numbers) result = result.replace(numberSegment, "/{num}");
  for (const pattern of options.custom) result = result.replace(pattern, "{var}");
  return result;
}
