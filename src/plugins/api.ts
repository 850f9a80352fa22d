import * as z from "zod";

/*
 * The plugin interface: what a user's TypeScript plugin sees and may do. It is
 * the whole contract between plugins and the gateway, so it imports nothing
 * from the gateway: a plugin depends on this file only, and the gateway's
 * internals may change without breaking one.
 *
 * A plugin is an object of hook functions made with `definePlugin`; the API
 * definition names it under `custom_middleware.<hook>[].name` (or as a virtual
 * endpoint's `response_function_name`) and the hook of that position runs.
 */

/** Tyk's hook positions, plus `virtual` for `extended_paths.virtual` endpoints. */
export type HookName = "pre" | "auth_check" | "post_key_auth" | "post" | "response" | "virtual";

/** The request as the caller sent it (read only). `path` is below the listen path. */
export interface PluginRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
}

/**
 * What the upstream will receive; pre, auth_check, post_key_auth and post hooks
 * may change it. `path` is below the listen path, after versioning and URL rewrites.
 */
export interface PluginUpstream {
  method: string;
  path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  /** The body as text (read once, kept for the upstream). */
  readBody(): Promise<string>;
  /** Replaces the body the upstream receives; null sends none. */
  setBody(body: string | null): void;
}

/** The caller's session, where authentication found one: read it; only `meta_data` is editable. */
export interface PluginSession {
  /** The key (storage id) the session's limits and analytics are counted under. */
  readonly key: string;
  readonly orgId: string;
  readonly alias: string;
  readonly policies: readonly string[];
  readonly expires: number;
  readonly metaData: Readonly<Record<string, unknown>>;
  /** Sets a meta data value for this request (later steps and `$tyk_meta.*` see it); not written to the key store. */
  setMetaData(name: string, value: unknown): void;
}

export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Handed to every hook. */
export interface PluginContext {
  readonly apiId: string;
  readonly request: PluginRequest;
  readonly upstream: PluginUpstream;
  /** undefined before authentication (pre, auth_check) and on keyless APIs. */
  readonly session: PluginSession | undefined;
  /** The API's `config_data` (empty when `config_data_disabled`). */
  readonly configData: Readonly<Record<string, unknown>>;
  readonly log: PluginLogger;
}

/** An answer a hook gives instead of letting the request go on (Tyk's ReturnOverrides / a virtual endpoint's reply). */
export interface PluginAnswer {
  readonly kind: "answer";
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Answers the request now: later steps and the upstream are skipped. */
export function respond(status: number, body = "", headers: Record<string, string> = {}): PluginAnswer {
  return { kind: "answer", status, body, headers };
}

/** What a request hook returns: nothing to go on, or an answer. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that only edits returns nothing (void), which `undefined` alone does not admit.
export type HookResult = PluginAnswer | undefined | void;

export type RequestHook = (ctx: PluginContext) => HookResult | Promise<HookResult>;

/** The upstream's answer as a response hook sees it; the hook edits it in place or returns a replacement. */
export interface PluginResponse {
  status: number;
  readonly headers: Headers;
  readBody(): Promise<string>;
  setBody(body: string): void;
}

export type ResponseHook = (ctx: PluginContext, response: PluginResponse) => HookResult | Promise<HookResult>;

/**
 * The session an auth_check hook establishes: Tyk's session fields (validated
 * like a stored key) under `key`, the id its rate limits, quota and analytics
 * are counted under. Policies in `apply_policies` are merged in as for keys.
 */
export const authResultSchema = z.object({
  key: z.string().min(1),
  session: z.record(z.string(), z.unknown()).default({}),
});
export type AuthResult = z.input<typeof authResultSchema>;

/** An auth_check hook: an identity, or a refusal (an answer, e.g. `respond(403, ...)`). */
export type AuthHook = (ctx: PluginContext) => AuthResult | PluginAnswer | Promise<AuthResult | PluginAnswer>;

/** Tyk's virtual endpoint reply shape: `{Body, Headers, Code}`. */
export const virtualReplySchema = z.object({
  Body: z.string().default(""),
  Headers: z.record(z.string(), z.string()).default({}),
  Code: z.number().int().min(200).max(599).default(200),
});
export type VirtualReply = z.input<typeof virtualReplySchema>;

export type VirtualHook = (ctx: PluginContext) => VirtualReply | Promise<VirtualReply>;

export interface Plugin {
  pre?: RequestHook;
  auth_check?: AuthHook;
  post_key_auth?: RequestHook;
  post?: RequestHook;
  response?: ResponseHook;
  virtual?: VirtualHook;
}

/** Declares a plugin; the identity function is there for type checking and editor help. */
export function definePlugin(plugin: Plugin): Plugin {
  return plugin;
}

export type PluginRegistry = Readonly<Record<string, Plugin>>;

export function isAnswer(value: unknown): value is PluginAnswer {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "answer";
}
