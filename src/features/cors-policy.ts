import * as z from "zod";
import { list } from "../apidef/schema";

/*
 * The CORS decisions Tyk delegates to rs/cors (v1.11.1, the version Tyk's
 * go.mod pins), as pure functions over a policy compiled once per snapshot:
 * which origins, methods and request headers are allowed, and which response
 * headers a preflight or an actual request gets. The HTTP step is cors.ts.
 */

// Header values cannot carry these; every other name is written as given, as Go does.
const unwritable = /[\r\n\0]/;

export const corsConfig = z.looseObject({
  enable: z.boolean().default(false),
  allowed_origins: list(z.string()),
  allowed_methods: list(z.string()),
  allowed_headers: list(z.string()),
  exposed_headers: list(z.string().refine((name) => !unwritable.test(name), "must not contain CR, LF or NUL")),
  allow_credentials: z.boolean().default(false),
  max_age: z.number().int().default(0),
  options_passthrough: z.boolean().default(false),
  debug: z.boolean().default(false),
});

export type CorsConfig = z.output<typeof corsConfig>;

interface WildcardOrigin {
  prefix: string;
  suffix: string;
}

export interface CorsPolicy {
  /** `*` in allowed_origins, or no origins listed. */
  anyOrigin: boolean;
  origins: Set<string>;
  wildcardOrigins: WildcardOrigin[];
  /** Compared as written: rs/cors does not normalise method case. */
  methods: Set<string>;
  /** `*` in allowed_headers. */
  anyHeader: boolean;
  /** Lower-cased allowed header name → its rank in byte order (requested names must come in that order). */
  headerRanks: Map<string, number>;
  exposedHeaders: string | undefined;
  maxAge: string | undefined;
  credentials: boolean;
  passthrough: boolean;
  debug: boolean;
}

/** rs/cors's defaults: the spec's simple methods and the headers a plain form or XHR sends. */
const defaultMethods = ["GET", "POST", "HEAD"];
const defaultHeaders = ["accept", "content-type", "x-requested-with"];

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Go's http.CanonicalHeaderKey: "x-request-id" → "X-Request-Id"; a name that is not a token stays as written. */
export function canonicalHeaderKey(name: string): string {
  if (!token.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

export function compileCorsPolicy(config: CorsConfig): CorsPolicy {
  // Origins are matched case-insensitively (rs/cors deliberately departs from the spec here).
  const origins = config.allowed_origins.map((origin) => origin.toLowerCase());
  const anyOrigin = origins.length === 0 || origins.includes("*");
  const wildcardOrigins: WildcardOrigin[] = [];
  const exactOrigins = new Set<string>();
  if (!anyOrigin) {
    for (const origin of origins) {
      // Only the first `*` is a wildcard; any later one is matched literally.
      const star = origin.indexOf("*");
      if (star < 0) exactOrigins.add(origin);
      else wildcardOrigins.push({ prefix: origin.slice(0, star), suffix: origin.slice(star + 1) });
    }
  }
  const anyHeader = config.allowed_headers.includes("*");
  const headerNames = config.allowed_headers.length === 0 ? defaultHeaders : config.allowed_headers.map((name) => name.toLowerCase());
  const ranked = anyHeader ? [] : [...new Set(headerNames)].sort();
  const maxAge = config.max_age > 0 ? String(config.max_age) : config.max_age < 0 ? "0" : undefined;
  return {
    anyOrigin,
    origins: exactOrigins,
    wildcardOrigins,
    methods: new Set(config.allowed_methods.length === 0 ? defaultMethods : config.allowed_methods),
    anyHeader,
    headerRanks: new Map(ranked.map((name, rank) => [name, rank])),
    exposedHeaders: config.exposed_headers.length > 0 ? config.exposed_headers.map(canonicalHeaderKey).join(", ") : undefined,
    maxAge,
    credentials: config.allow_credentials,
    passthrough: config.options_passthrough,
    debug: config.debug,
  };
}

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  if (policy.anyOrigin) return true;
  const lower = origin.toLowerCase();
  if (policy.origins.has(lower)) return true;
  return policy.wildcardOrigins.some(
    ({ prefix, suffix }) => lower.length >= prefix.length + suffix.length && lower.startsWith(prefix) && lower.endsWith(suffix),
  );
}

export function methodAllowed(policy: CorsPolicy, method: string): boolean {
  // A preflight's own method is always acceptable.
  return method === "OPTIONS" || policy.methods.has(method);
}

const isOws = (char: string | undefined): boolean => char === " " || char === "\t";
/** rs/cors tolerates this many empty elements in Access-Control-Request-Headers before refusing it. */
const maxEmptyElements = 16;

/**
 * Strips the one byte of optional whitespace rs/cors tolerates on one side of
 * a list element. Two or more is refused (null), except for an element made
 * of exactly two whitespace bytes, which rs/cors reads as empty.
 */
function trimOneSide(element: string, fromEnd: boolean): string | null {
  const at = (offset: number) => element[fromEnd ? element.length - 1 - offset : offset];
  const count = isOws(at(0)) ? (isOws(at(1)) ? 2 : 1) : 0;
  if (count === 2 && element.length > 2) return null;
  return fromEnd ? element.slice(0, element.length - count) : element.slice(count);
}

/**
 * Whether every name in Access-Control-Request-Headers is allowed. As in
 * rs/cors, the names must be lower-case, unique and in byte order, as the
 * Fetch standard has browsers send them; anything else is refused.
 */
export function requestHeadersAllowed(policy: CorsPolicy, requested: string): boolean {
  if (policy.anyHeader) return true;
  let lastRank = -1;
  let empty = 0;
  for (const element of requested.split(",")) {
    const right = trimOneSide(element, true);
    const name = right === null ? null : trimOneSide(right, false);
    if (name === null) return false;
    if (name === "") {
      empty += 1;
      if (empty > maxEmptyElements) return false;
      continue;
    }
    const rank = policy.headerRanks.get(name);
    if (rank === undefined || rank <= lastRank) return false;
    lastRank = rank;
  }
  return true;
}

export interface CorsDecision {
  /** Response headers by their canonical names; Vary is always there, the rest only when the request is allowed. */
  headers: Record<string, string>;
  /** What was decided and why, for `debug`. */
  note: string;
}

const preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/** An OPTIONS request with Access-Control-Request-Method. */
export function isPreflight(method: string, headers: Headers): boolean {
  return method === "OPTIONS" && Boolean(headers.get("access-control-request-method"));
}

export function decidePreflight(policy: CorsPolicy, request: Headers): CorsDecision {
  const headers: Record<string, string> = { Vary: preflightVary };
  const origin = request.get("origin") ?? "";
  if (!origin) return { headers, note: "preflight refused: no Origin" };
  if (!originAllowed(policy, origin)) return { headers, note: `preflight refused: origin '${origin}' not allowed` };
  const method = request.get("access-control-request-method") ?? "";
  if (!methodAllowed(policy, method)) return { headers, note: `preflight refused: method '${method}' not allowed` };
  const requested = request.get("access-control-request-headers");
  if (requested !== null && !requestHeadersAllowed(policy, requested)) {
    return { headers, note: `preflight refused: headers '${requested}' not allowed` };
  }
  headers["Access-Control-Allow-Origin"] = policy.anyOrigin ? "*" : origin;
  // The requested method and headers are echoed, not the whole allowed lists.
  headers["Access-Control-Allow-Methods"] = method;
  if (requested) headers["Access-Control-Allow-Headers"] = requested;
  if (policy.credentials) headers["Access-Control-Allow-Credentials"] = "true";
  if (policy.maxAge !== undefined) headers["Access-Control-Max-Age"] = policy.maxAge;
  return { headers, note: "preflight allowed" };
}

export function decideActualRequest(policy: CorsPolicy, method: string, request: Headers): CorsDecision {
  const headers: Record<string, string> = { Vary: "Origin" };
  const origin = request.get("origin") ?? "";
  if (!origin) return { headers, note: "no CORS headers: no Origin" };
  if (!originAllowed(policy, origin)) return { headers, note: `no CORS headers: origin '${origin}' not allowed` };
  if (!methodAllowed(policy, method)) return { headers, note: `no CORS headers: method '${method}' not allowed` };
  headers["Access-Control-Allow-Origin"] = policy.anyOrigin ? "*" : origin;
  if (policy.exposedHeaders !== undefined) headers["Access-Control-Expose-Headers"] = policy.exposedHeaders;
  if (policy.credentials) headers["Access-Control-Allow-Credentials"] = "true";
  return { headers, note: "CORS headers added" };
}
