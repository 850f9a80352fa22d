import * as z from "zod";

/*
 * `PORTCULLIS_CACHE_MAX_BYTES`: the largest response body the response cache
 * stores, and the largest request body it reads to build a key (a body hashed
 * into the key under Tyk's rule). Larger answers are served but not stored.
 * The Cache API itself takes objects up to 512 MB; the default keeps one
 * entry well within an isolate's 128 MB while it is read for storing.
 */

const defaultMaxBytes = 1024 * 1024;
/** Cloudflare's Cache API limit for one object (Free, Pro and Business plans). */
const cacheApiMaxBytes = 512 * 1024 * 1024;

export const cacheEnvShape = {
  PORTCULLIS_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(cacheApiMaxBytes)
    .optional()
    .transform((bytes) => bytes ?? defaultMaxBytes),
};

type CacheEnv = { [name in keyof typeof cacheEnvShape]: z.output<(typeof cacheEnvShape)[name]> };

export interface CacheSettings {
  /** Bodies over this size are neither stored nor hashed into a key; 0 turns the response cache off. */
  maxBytes: number;
}

export function cacheSettings(env: CacheEnv): CacheSettings {
  return { maxBytes: env.PORTCULLIS_CACHE_MAX_BYTES };
}
