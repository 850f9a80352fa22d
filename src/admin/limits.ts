import type { JsonLimits } from "../lib/bounded-json";

/*
 * What the Gateway API (and kv-seed, which writes the same documents) accepts
 * at most. Each bound sits well above any real definition, key or policy,
 * and below the point where a store, a URL or a reload starts to fail or slow.
 */

/**
 * A request body: 1 MiB and 64 levels. A large classic definition (thousands of
 * endpoint entries) is a few hundred KB and nests about ten levels; Upstash
 * refuses requests over 1 MB on its smaller plans, and every stored definition
 * is read and compiled on each reload.
 */
export const adminBodyLimits: JsonLimits = { maxBytes: 1024 * 1024, maxDepth: 64 };

/** Workers KV refuses keys over 512 bytes (UTF-8); the same bound is kept on Upstash so a store can be switched. */
export const maxStoreKeyBytes = 512;

/** Workers KV takes an expiration TTL up to 2^31 - 1 seconds (68 years); a longer session lifetime is refused. */
export const maxStoreTtlSeconds = 2 ** 31 - 1;
