import type { CoreApi, CoreVersion } from "../apidef/compile";
import type { ApiEvents } from "../events/handlers";
import { clientIp } from "../lib/client-ip";
import { isolateLogger, requestIdOf, type Logger } from "../lib/logger";
import { propagateTrace, traceOf, type TraceContext } from "../lib/trace-context";
import type { WaitUntil } from "../lib/wait-until";
import type { Session } from "../session/schema";
import type { Gateway } from "./gateway";
import type { Identity } from "./identity";

/** What the context variables step found for variables it cannot read lazily. */
export interface ContextVarsState {
  /** Form fields of a form-encoded body (Tyk's `request_data` adds them to the query's); undefined when not read. */
  formBody: URLSearchParams | undefined;
}

/** A step read a value before the step that sets it ran: a bug in the chain's order, never a client error. */
export class ChainOrderError extends Error {
  override name = "ChainOrderError";

  constructor(value: string, setBy: string) {
    super(`"${value}" was read before ${setBy} set it`);
  }
}

/**
 * One request on its way through an API's chain. Routing fills the fields
 * every step may read; values that a step sets for later steps are read
 * through checked accessors, so a step placed before the one it depends on
 * fails loudly instead of seeing `undefined`.
 */
export class RequestContext {
  readonly startedAt = Date.now();
  /** The part of the request path the listen path matched. */
  readonly listenPrefix: string;
  /** The W3C trace this request belongs to (the client's, or a new one) and the gateway's span in it. */
  readonly trace: TraceContext;
  /** The request path below the listen path, always starting with "/"; versioning and rewrites change it. */
  apiPath: string;
  /** The method the upstream will receive (Tyk's method transforms change it). */
  upstreamMethod: string;
  /** Headers the upstream will receive; steps edit them in place. */
  readonly upstreamHeaders: Headers;
  /** Query string for the upstream, with its "?" (or empty). */
  upstreamQuery: string;
  /** Set by URL rewrites that point at a full URL instead of a path. */
  rewrittenUrl: URL | undefined;
  /** Milliseconds from sending the upstream request to its response headers. */
  upstreamLatency: number | undefined;
  /** The response cache answered with a stored upstream answer (`x-tyk-cached-response: 1`). */
  servedFromCache = false;
  /** The hard timeout for this request's upstream exchange (Tyk's enforced timeout); undefined: only the gateway's default applies. */
  upstreamTimeoutMs: number | undefined;
  /** The path matched an `ignored` entry: authentication and the key's limits are skipped. */
  ignoredPath = false;
  /**
   * Set by the context variables step when the API has `enable_context_vars`; without it
   * `$tyk_context.*` expands to nothing, as in Tyk. Variables are read lazily from this context.
   */
  contextVars: ContextVarsState | undefined;
  /** The API's event handlers, set by the first step when it has any; raise with `ctx.events?.raise(ctx, name, meta)`. */
  events: ApiEvents | undefined;
  /** The key the auth token step read (Tyk's `token` context variable). */
  authToken: string | undefined;
  /** The claims of the JWT the JWT step verified (Tyk's `jwt_claims_<claim>` context variables). */
  jwtClaims: Readonly<Record<string, unknown>> | undefined;

  private versionValue: CoreVersion | undefined;
  /** undefined: authentication has not run yet; null: the request carries no key (keyless API or ignored path). */
  private identityValue: Identity | null | undefined;
  private clientIpValue: string | undefined;
  private logValue: Logger | undefined;
  private requestIdValue: string | undefined;
  /** undefined: the request's own body, untouched. */
  private bodyValue: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    readonly request: Request,
    readonly url: URL,
    readonly gateway: Gateway,
    readonly api: CoreApi,
    listenPathLength: number,
    readonly waitUntil: WaitUntil,
  ) {
    this.listenPrefix = url.pathname.slice(0, listenPathLength);
    this.apiPath = url.pathname.slice(listenPathLength) || "/";
    this.upstreamMethod = request.method;
    this.upstreamHeaders = new Headers(request.headers);
    this.trace = traceOf(request.headers);
    // Set before any step runs, so header transforms may still change or remove it, as they may any header.
    propagateTrace(this.upstreamHeaders, this.trace);
    this.upstreamQuery = url.search;
    if (api.keyless) this.identityValue = null;
  }

  get method(): string {
    return this.request.method;
  }

  /**
   * The answer came from the upstream, now or earlier through the response cache (which stores answers as
   * they came); anything else is the gateway's own reply (errors, mocks, preflights, all hosts down).
   */
  get answeredByUpstream(): boolean {
    return this.upstreamLatency !== undefined || this.servedFromCache;
  }

  /** The body the upstream will receive; steps may wrap it (size limits) or replace it (validated or transformed bodies). */
  get upstreamBody(): ReadableStream<Uint8Array> | null {
    return this.bodyValue === undefined ? this.request.body : this.bodyValue;
  }

  set upstreamBody(body: ReadableStream<Uint8Array> | null) {
    this.bodyValue = body;
  }

  /**
   * A copy of the body for a step to read (credentials, payload triggers, analytics), the other
   * half of the tee going on upstream, so reading never costs the upstream its body. Null when
   * there is no body.
   */
  teeBody(): ReadableStream<Uint8Array> | null {
    const body = this.upstreamBody;
    if (!body) return null;
    const [copy, kept] = body.tee();
    this.upstreamBody = kept;
    return copy;
  }

  /** The resolved API version; set by the version check. */
  get version(): CoreVersion {
    if (!this.versionValue) throw new ChainOrderError("version", "the version check");
    return this.versionValue;
  }

  set version(version: CoreVersion) {
    this.versionValue = version;
  }

  /** The caller's identity, or null for a request without a key; set by authentication. */
  get identity(): Identity | null {
    if (this.identityValue === undefined) throw new ChainOrderError("identity", "authentication");
    return this.identityValue;
  }

  set identity(identity: Identity | null) {
    this.identityValue = identity;
  }

  /** Replaces the session (policies merged in) while keeping its storage id. */
  replaceSession(session: Session): void {
    const identity = this.identity;
    if (identity) this.identityValue = { session, sessionId: identity.sessionId };
  }

  get session(): Session | undefined {
    return this.identity?.session;
  }

  get sessionId(): string | undefined {
    return this.identity?.sessionId;
  }

  /** What is known so far, for steps that report on a request however far it got (analytics). */
  get known(): { version: CoreVersion | undefined; identity: Identity | undefined } {
    return { version: this.versionValue, identity: this.identityValue ?? undefined };
  }

  /** Log lines about this request carry its id, the API's and the trace's; built on the first line, so a quiet request pays nothing. */
  get log(): Logger {
    this.logValue ??= isolateLogger.with({ request_id: this.requestId, api_id: this.api.id, trace_id: this.trace.traceId });
    return this.logValue;
  }

  /** This request's id (Cloudflare's `cf-ray`, else generated once): log lines and `$tyk_context.request_id` agree. */
  get requestId(): string {
    this.requestIdValue ??= requestIdOf(this.request.headers);
    return this.requestIdValue;
  }

  /** The caller's address under the gateway's one client-IP rule (src/lib/client-ip.ts). */
  get clientIp(): string {
    this.clientIpValue ??= clientIp(this.request.headers, this.gateway.config.clientIpHeader);
    return this.clientIpValue;
  }
}
