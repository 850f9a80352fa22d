import type { RequestContext } from "../../chain/context";
import { readBounded, streamOf } from "../../lib/bounded-body";
import { utf8 } from "../../lib/encoding";
import type { Logger } from "../../lib/logger";
import { messages, TykError } from "../../lib/tyk-error";
import type { PluginContext, PluginSession, PluginUpstream } from "../../plugins/api";

/*
 * The plugin's view of one request (src/plugins/api.ts), built over the
 * gateway's RequestContext. Edits go straight to what the upstream receives;
 * the query is handed out as URLSearchParams and written back after the hook.
 */

const textDecoder = new TextDecoder();

class Upstream implements PluginUpstream {
  /** Parsed on first use, so a hook that does not look at the query costs nothing. */
  private queryValue: URLSearchParams | undefined;
  private bodyText: string | null | undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly maxBodyBytes: number,
  ) {}

  get query(): URLSearchParams {
    this.queryValue ??= new URLSearchParams(this.ctx.upstreamQuery);
    return this.queryValue;
  }

  get method(): string {
    return this.ctx.upstreamMethod;
  }

  set method(method: string) {
    this.ctx.upstreamMethod = method.toUpperCase();
  }

  get path(): string {
    return this.ctx.apiPath;
  }

  set path(path: string) {
    this.ctx.apiPath = path.startsWith("/") ? path : `/${path}`;
  }

  get headers(): Headers {
    return this.ctx.upstreamHeaders;
  }

  async readBody(): Promise<string> {
    if (this.bodyText === undefined) {
      const bytes = await readBounded(this.ctx.upstreamBody, this.maxBodyBytes, () => new TykError(400, messages.requestTooLarge));
      this.bodyText = this.ctx.upstreamBody === null ? null : textDecoder.decode(bytes);
      if (this.bodyText !== null) this.ctx.upstreamBody = streamOf(bytes);
    }
    return this.bodyText ?? "";
  }

  setBody(body: string | null): void {
    this.bodyText = body;
    const headers = this.ctx.upstreamHeaders;
    headers.delete("transfer-encoding");
    if (body === null) {
      this.ctx.upstreamBody = null;
      headers.delete("content-length");
      return;
    }
    const bytes = utf8(body);
    this.ctx.upstreamBody = streamOf(bytes);
    headers.set("content-length", String(bytes.byteLength));
  }

  /** Writes query edits back; called once the hook returned. */
  commit(): void {
    if (!this.queryValue) return;
    const query = this.queryValue.toString();
    if (query !== new URLSearchParams(this.ctx.upstreamQuery).toString()) this.ctx.upstreamQuery = query === "" ? "" : `?${query}`;
  }
}

function sessionView(ctx: RequestContext): PluginSession | undefined {
  const identity = ctx.known.identity;
  if (!identity) return undefined;
  const session = identity.session;
  return {
    key: identity.sessionId,
    orgId: session.org_id,
    alias: session.alias,
    policies: session.apply_policies,
    expires: session.expires,
    metaData: session.meta_data,
    setMetaData(name, value) {
      // A new session object: the stored (and cached) one is shared with other requests.
      const current = ctx.session ?? session;
      ctx.replaceSession({ ...current, meta_data: { ...current.meta_data, [name]: value } });
    },
  };
}

export interface PluginCall {
  context: PluginContext;
  /** Applies what the hook changed that is not written through at once. */
  commit(): void;
}

/** `offerSession` false hides the session (a virtual endpoint without `use_session`). */
export function pluginContext(
  ctx: RequestContext,
  configData: Readonly<Record<string, unknown>>,
  maxBodyBytes: number,
  plugin: string,
  offerSession = true,
): PluginCall {
  const upstream = new Upstream(ctx, maxBodyBytes);
  let log: Logger | undefined;
  let session: PluginSession | undefined | null = null;
  const context: PluginContext = {
    apiId: ctx.api.id,
    get request() {
      return { method: ctx.method, path: ctx.url.pathname.slice(ctx.listenPrefix.length) || "/", query: ctx.url.searchParams, headers: ctx.request.headers };
    },
    upstream,
    get session() {
      if (session === null) session = offerSession ? sessionView(ctx) : undefined;
      return session;
    },
    configData,
    get log() {
      log ??= ctx.log.with({ plugin });
      return log;
    },
  };
  return { context, commit: () => upstream.commit() };
}
