import type { CompiledApi, CompiledVersion } from "./apidef/compile";
import type { Gateway, Bindings } from "./gateway";
import type { Session } from "./session/schema";

/**
 * What a request carries through the pipeline; each middleware documents what it sets.
 * Per-request code reads these with `c.get(name)`, never `c.var.name`: Hono's `c.var`
 * copies every variable into a new object on each access (about a tenth of the
 * gateway's CPU under load before the hot path stopped using it; see bench/).
 */
export interface GatewayVariables {
  gateway: Gateway;
  /** The incoming request URL, parsed once. */
  url: URL;
  api: CompiledApi;
  /** The part of the request path the listen path matched. */
  listenPrefix: string;
  /** The request path below the listen path, always starting with "/". */
  apiPath: string;
  version: CompiledVersion;
  /** The path matched an `ignored` entry: authentication is skipped. */
  ignoredPath: boolean;
  session: Session | undefined;
  /** Storage id of the session (the hashed key when hashing is on). */
  sessionId: string | undefined;
  /** Set by URL rewrites that point at a full URL instead of a path. */
  rewrittenUrl: URL | undefined;
  upstreamHeaders: Headers;
  /** Query string for the upstream, with its "?" (or empty). */
  upstreamQuery: string;
  /** Milliseconds from sending the upstream request to its response headers; set by the proxy. */
  upstreamLatency: number | undefined;
}

export interface GatewayEnv {
  Bindings: Bindings;
  Variables: GatewayVariables;
}
