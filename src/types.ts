import type { CompiledApi, CompiledVersion } from "./apidef/compile";
import type { Gateway, Bindings } from "./gateway";
import type { Session } from "./session/schema";

/** What a request carries through the pipeline; each middleware documents what it sets. */
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
}

export interface GatewayEnv {
  Bindings: Bindings;
  Variables: GatewayVariables;
}
