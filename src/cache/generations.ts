import * as z from "zod";

/*
 * An API's cache generation is part of every one of its cache keys.
 * `DELETE /tyk/cache/{api_id}` stores a new one and reloads the config, so
 * every isolate, in every location, moves to new keys once it has the new
 * snapshot; the old entries are never read again and expire by their TTL.
 * (`caches.default.delete` would only clear the location it runs in.)
 * Generations are unique strings rather than counters: Workers KV has no
 * atomic increment, and keys only compare them for equality.
 */

/** The store's document kind: one document per API whose cache was ever invalidated. */
export const generationKind = "cache-generations";

const generationDocument = z.object({ generation: z.string() });

export function newGeneration(): { generation: string } {
  return { generation: `${Date.now()}-${crypto.randomUUID()}` };
}

/** The generations of the stored documents, by API id; a document that is not one is left out (the API keeps generation ""). */
export function generationsFrom(documents: Map<string, unknown>): Map<string, string> {
  const generations = new Map<string, string>();
  for (const [apiId, document] of documents) {
    const parsed = generationDocument.safeParse(document);
    if (parsed.success) generations.set(apiId, parsed.data.generation);
  }
  return generations;
}
