import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment, regexSource } from "../apidef/schema";
import { bodyPart, hashesBody, headersPart, keyMaterial, sha256Hex } from "../cache/key";
import { ResponseCache, type CachedAnswer, type EntryName } from "../cache/response-cache";
import { storeSeconds, upstreamTtlHeader, type StoreRule, type UpstreamControl } from "../cache/rules";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { readBounded } from "../lib/bounded-body";
import { safeRegExp } from "../lib/regex-safety";

/*
 * Tyk's RedisCacheMiddleware (with ResponseCacheMiddleware on the way back),
 * on Cloudflare's Cache API. It runs after URL rewrites and method
 * transforms, so a hit is still authenticated, rate limited and recorded; only
 * the upstream is skipped. A request is cached when `cache_all_safe_requests`
 * covers it (GET, HEAD, OPTIONS) or an `extended_paths.cache` entry (safe
 * methods) or `advance_cache_config` entry (its own method) matches; keys and
 * what is stored follow src/cache/key.ts and src/cache/rules.ts. A miss is
 * stored in the background (`waitUntil`), never delaying the answer.
 * See docs/response-cache.md.
 */

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);
/** Tyk's marker for `extended_paths.cache` entries: any safe method. */
const anySafeMethod = "SAFE_METHODS";
const cachedResponseHeader = "x-tyk-cached-response";
/** Tyk's documented default for `cache_timeout` (seconds), used when the definition leaves it at 0. */
const defaultTimeoutSeconds = 60;
/** Statuses never stored: a switch to WebSocket, and a range of a body (its key carries no range). */
const neverStored = new Set([101, 206]);

const statusCodes = list(z.number().int());

const cacheMeta = z.looseObject({
  disabled: z.boolean().default(false),
  method: z.string().default(""),
  path: pathPattern,
  cache_key_regex: regexSource.default(""),
  cache_response_codes: statusCodes,
  timeout: z.number().int().default(0),
});

// One object, not an intersection: zod cannot merge a field one side parsed (null → default) and the other passed through raw.
const fields = perVersionFragment({ cache: list(pathPattern), advance_cache_config: list(cacheMeta) }).extend({
  cache_options: z
    .looseObject({
      cache_timeout: z.number().int().default(0),
      enable_cache: z.boolean().default(false),
      cache_all_safe_requests: z.boolean().default(false),
      cache_response_codes: statusCodes,
      enable_upstream_cache_control: z.boolean().default(false),
      cache_control_ttl_header: z.string().default(""),
      cache_by_headers: list(z.string()),
    })
    .prefault({}),
});

interface EndpointRule extends StoreRule {
  pattern: RegExp;
  method: string;
  keyRegex: RegExp | undefined;
}

interface MatchedRule extends StoreRule {
  keyRegex: RegExp | undefined;
}

interface CacheOptions {
  apiRule: StoreRule;
  allSafe: boolean;
  endpoints: Map<string, EndpointRule[]>;
  byHeaders: string[];
  upstream: UpstreamControl;
  maxBytes: number;
}

/** The rule for this request, or undefined when it is not cached (Tyk: the sledgehammer first, then the first matching entry). */
function ruleFor(options: CacheOptions, version: string, method: string, path: string): MatchedRule | undefined {
  if (options.allSafe && safeMethods.has(method)) return { ...options.apiRule, keyRegex: undefined };
  const entry = options.endpoints
    .get(version)
    ?.find((rule) => (rule.method === method || (rule.method === anySafeMethod && safeMethods.has(method))) && rule.pattern.test(path));
  if (!entry) return undefined;
  return {
    responseCodes: entry.responseCodes.length > 0 ? entry.responseCodes : options.apiRule.responseCodes,
    timeoutSeconds: entry.timeoutSeconds > 0 ? entry.timeoutSeconds : options.apiRule.timeoutSeconds,
    keyRegex: entry.keyRegex,
  };
}

class BodyTooLargeToKey extends Error {}

/** The body's part of the key, or null when it was too large to read (the request is then not cached). */
async function bodyDigest(ctx: RequestContext, method: string, rule: MatchedRule, maxBytes: number): Promise<string | undefined | null> {
  if (!hashesBody(method)) return undefined;
  try {
    const body = await readBounded(ctx.teeBody(), maxBytes, () => new BodyTooLargeToKey());
    const part = bodyPart(body, rule.keyRegex);
    return part ? await sha256Hex(part) : undefined;
  } catch (error) {
    if (error instanceof BodyTooLargeToKey) return null;
    throw error;
  }
}

/** A stored answer as the client gets it: marked, and 304 when the client already holds its ETag (as Tyk does). */
function answerFromCache(ctx: RequestContext, answer: CachedAnswer): Response {
  ctx.servedFromCache = true;
  answer.headers.set(cachedResponseHeader, "1");
  const etag = answer.headers.get("etag");
  const notModified = etag !== null && (ctx.request.headers.get("if-none-match") ?? "").includes(etag);
  if ((notModified || ctx.method === "HEAD") && answer.body instanceof ReadableStream) void answer.body.cancel();
  const body = notModified || ctx.method === "HEAD" ? null : answer.body;
  return new Response(body, { status: notModified ? 304 : answer.status, statusText: notModified ? "" : answer.statusText, headers: answer.headers });
}

async function lookup(ctx: RequestContext, cache: ResponseCache, name: EntryName): Promise<CachedAnswer | undefined> {
  try {
    return await cache.lookup(name);
  } catch (error) {
    ctx.log.warn("response cache lookup failed; asking the upstream", { error });
    return undefined;
  }
}

export const responseCaching = defineFeature({
  name: "RedisCacheMiddleware",
  fields,
  honours: [
    ...[
      "cache_timeout",
      "enable_cache",
      "cache_all_safe_requests",
      "cache_response_codes",
      "enable_upstream_cache_control",
      "cache_control_ttl_header",
      "cache_by_headers",
    ].map((field) => `cache_options.${field}`),
    "version_data.versions.*.extended_paths.cache",
    ...["disabled", "method", "path", "cache_key_regex", "cache_response_codes", "timeout"].map(
      (field) => `version_data.versions.*.extended_paths.advance_cache_config.*.${field}`,
    ),
  ],
  compile: (definition, _api, settings): CacheOptions | undefined => {
    const cacheOptions = definition.cache_options;
    // PORTCULLIS_CACHE_MAX_BYTES=0 turns storing off, so nothing could ever be a hit.
    if (!cacheOptions.enable_cache || settings.cache.maxBytes === 0) return undefined;
    const endpoints = compileVersions(definition, (version): EndpointRule[] | undefined => {
      if (!version.use_extended_paths) return undefined;
      const plain = version.extended_paths.cache.map((path) => ({ path, method: anySafeMethod, keyRegex: undefined, responseCodes: [], timeoutSeconds: 0 }));
      const advanced = version.extended_paths.advance_cache_config
        .filter((entry) => !entry.disabled)
        .map((entry) => ({
          path: entry.path,
          method: entry.method,
          keyRegex: entry.cache_key_regex ? safeRegExp(entry.cache_key_regex) : undefined,
          responseCodes: entry.cache_response_codes,
          timeoutSeconds: entry.timeout,
        }));
      const rules = [...plain, ...advanced].map(({ path, ...rule }) => ({ ...rule, pattern: compilePathPattern(path) }));
      return rules.length > 0 ? rules : undefined;
    });
    if (!cacheOptions.cache_all_safe_requests && endpoints.size === 0) return undefined;
    const timeoutSeconds = cacheOptions.cache_timeout > 0 ? cacheOptions.cache_timeout : defaultTimeoutSeconds;
    return {
      apiRule: { responseCodes: cacheOptions.cache_response_codes, timeoutSeconds },
      allSafe: cacheOptions.cache_all_safe_requests,
      endpoints,
      byHeaders: cacheOptions.cache_by_headers,
      upstream: { ttlHeader: cacheOptions.enable_upstream_cache_control ? cacheOptions.cache_control_ttl_header || upstreamTtlHeader : undefined },
      maxBytes: settings.cache.maxBytes,
    };
  },
  step: (options, api) => async (ctx, next) => {
    const method = ctx.upstreamMethod;
    const rule = ruleFor(options, ctx.version.name, method, ctx.apiPath);
    if (!rule) return next();
    const body = await bodyDigest(ctx, method, rule, options.maxBytes);
    if (body === null) return next();
    const material = keyMaterial({
      apiId: api.id,
      generation: ctx.gateway.configCache.cacheGeneration(api.id),
      version: ctx.version.name,
      keyId: ctx.identity?.sessionId,
      clientIp: ctx.clientIp,
      method,
      url: ctx.rewrittenUrl?.toString() ?? ctx.listenPrefix + ctx.apiPath + ctx.upstreamQuery,
      // As Tyk reads them here: after the header transforms.
      headers: headersPart(options.byHeaders, ctx.upstreamHeaders),
      body,
    });
    // Reached per request: `caches` exists only in workerd, and definitions also compile in Node (kv-seed).
    const cache = new ResponseCache(caches.default, ctx.gateway.caches.responses, options.maxBytes);
    const name = { material, host: ctx.url.host };
    const hit = await lookup(ctx, cache, name);
    if (hit) return answerFromCache(ctx, hit);

    const response = await next();
    const seconds = neverStored.has(response.status) ? null : storeSeconds(rule, response.status, response.headers, options.upstream);
    if (seconds === null) return response;
    const [forClient, forCache] = response.body ? response.body.tee() : [null, null];
    const answer = { status: response.status, statusText: response.statusText, headers: new Headers(response.headers), body: forCache };
    ctx.waitUntil(cache.store(name, answer, seconds).catch((error: unknown) => ctx.log.warn("could not store the answer in the response cache", { error })));
    return new Response(forClient, response);
  },
});
