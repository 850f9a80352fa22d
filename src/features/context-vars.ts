import * as z from "zod";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { readBounded, streamOf } from "../lib/bounded-body";
import { TykError } from "../lib/tyk-error";

/*
 * Tyk's context variables (`enable_context_vars`, MiddlewareContextVars) and
 * the template variables of definition strings (header values, URL rewrites):
 * `$tyk_context.<name>` reads the request's context variables, `$tyk_meta.<key>`
 * the session's `meta_data`. Tyk computes every context variable up front;
 * here each is read from the request context when a template names it, so a
 * request pays only for the variables its templates use. The one exception is
 * a form body (`request_data`), which can only be read while the request is
 * on its way in: the step reads it, bounded, and only when some string of the
 * definition names `request_data`.
 */

const variablePattern = /\$tyk_(context|meta)\.([A-Za-z0-9_\-.]+)/g;

/** Form bodies larger than this are not read for `request_data` (its query values still are). */
export const formBodyLimit = 64 * 1024;

const formMethods = new Set(["POST", "PUT", "PATCH"]);

/** Go's canonical header key (`x-api-key` → `X-Api-Key`) with dashes as underscores: Tyk's `headers_<Name>`. */
function tykHeaderName(name: string): string {
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
    .replaceAll("-", "_");
}

function decodedPath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function headerVariable(ctx: RequestContext, wanted: string): string | undefined {
  // Go keeps the Host header out of its header map; Tyk adds it as `headers_Host` from the request line.
  if (wanted === "Host") return ctx.url.host;
  for (const [name, value] of ctx.request.headers) {
    if (name !== "host" && tykHeaderName(name) === wanted) return value;
  }
  return undefined;
}

function cookieVariable(ctx: RequestContext, wanted: string): string | undefined {
  let found: string | undefined;
  for (const part of ctx.request.headers.get("cookie")?.split(";") ?? []) {
    const equals = part.indexOf("=");
    if (equals < 0 || part.slice(0, equals).trim().replaceAll("-", "_") !== wanted) continue;
    // The last cookie of a name wins, and Go drops the quotes around a quoted value.
    found = part
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
  }
  return found;
}

/** Tyk's `request_data` (Go's `Request.Form`): a form body's values first, then the query's. */
function requestData(ctx: RequestContext): Map<string, string[]> {
  const data = new Map<string, string[]>();
  const add = (params: URLSearchParams) => {
    for (const [name, value] of params) data.set(name, [...(data.get(name) ?? []), value]);
  };
  if (ctx.contextVars?.formBody) add(ctx.contextVars.formBody);
  add(ctx.url.searchParams);
  return data;
}

/** Go's `url.QueryEscape`: everything but letters, digits and `-_.~` is escaped, spaces as "+". */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%20", "+");
}

/** A Go string list as Tyk prints it: comma-joined, without an empty first element. */
function stringList(values: readonly string[]): string {
  return values.join(",").replace(/^,/, "");
}

/**
 * A JSON value (metadata, JWT claim) as Tyk prints it: strings as they are,
 * numbers in decimal, lists as their non-empty items query-escaped and
 * comma-joined; anything else (booleans, objects) as nothing.
 */
function jsonText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) {
    return value
      .map(jsonText)
      .filter((item) => item !== "")
      .map(queryEscape)
      .join(",");
  }
  return "";
}

/** One context variable's value as Tyk prints it, or undefined when the request has none by that name. */
export function contextVariable(ctx: RequestContext, name: string): string | undefined {
  switch (name) {
    case "path":
      return decodedPath(ctx.url.pathname);
    case "path_parts":
      return stringList(decodedPath(ctx.url.pathname).split("/"));
    case "remote_addr":
      return ctx.clientIp;
    case "request_id":
      return ctx.requestId;
    case "token":
      return ctx.authToken;
    case "request_data":
      return [...requestData(ctx)].map(([key, values]) => `${key}:${values.join(",")}`).join(";");
  }
  if (name.startsWith("headers_")) return headerVariable(ctx, name.slice("headers_".length));
  if (name.startsWith("cookies_")) return cookieVariable(ctx, name.slice("cookies_".length));
  if (name.startsWith("jwt_claims_")) {
    const claims = ctx.jwtClaims;
    const claim = name.slice("jwt_claims_".length);
    return claims && Object.hasOwn(claims, claim) ? jsonText(claims[claim]) : undefined;
  }
  if (name.startsWith("request_data_")) {
    const wanted = name.slice("request_data_".length);
    for (const [key, values] of requestData(ctx)) if (key.replaceAll("-", "_") === wanted) return values[0];
  }
  return undefined;
}

function metaVariable(ctx: RequestContext, key: string): string | undefined {
  // Read without the checked accessor: a template may be expanded before authentication ran.
  const meta = ctx.known.identity?.session.meta_data;
  return meta && Object.hasOwn(meta, key) ? jsonText(meta[key]) : undefined;
}

/**
 * Expands `$tyk_context.*` and `$tyk_meta.*` in a template, as Tyk's
 * `ReplaceTykVariables` does: a variable without a value (context variables
 * off for the API, no session, unknown name) becomes the empty string. With
 * `queryEscaped` (URL rewrites) values are query-escaped unless they start with "http".
 */
export function expandVariables(template: string, ctx: RequestContext, queryEscaped = false): string {
  if (!template.includes("$tyk_")) return template;
  return template.replace(variablePattern, (_, label: string, name: string) => {
    const value = (label === "meta" ? metaVariable(ctx, name) : ctx.contextVars && contextVariable(ctx, name)) ?? "";
    return queryEscaped && !value.startsWith("http") ? queryEscape(value) : value;
  });
}

/** A template compiled once: constant strings skip the expansion entirely. */
export type Template = (ctx: RequestContext) => string;

export function compileTemplate(template: string): Template {
  return template.includes("$tyk_") ? (ctx) => expandVariables(template, ctx) : () => template;
}

function isFormEncoded(ctx: RequestContext): boolean {
  const mediaType = ctx.request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return mediaType === "application/x-www-form-urlencoded" && formMethods.has(ctx.method);
}

/**
 * The form fields of the body, read from one branch of a tee. A body read whole
 * goes upstream as those bytes (a stream of known length, so the upstream still
 * gets a Content-Length); one over the limit goes as the other branch.
 */
async function readFormBody(ctx: RequestContext): Promise<URLSearchParams | undefined> {
  const declared = Number(ctx.request.headers.get("content-length") ?? 0);
  if (!ctx.upstreamBody || !isFormEncoded(ctx) || declared > formBodyLimit) return undefined;
  const copy = ctx.teeBody()!;
  const upstream = ctx.upstreamBody;
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(copy, formBodyLimit, () => new RangeError("form body over the limit"));
  } catch (error) {
    // A size limit ended the body with its own answer: give it now rather than at the proxy.
    if (error instanceof TykError) throw error;
    return undefined;
  }
  void upstream.cancel();
  ctx.upstreamBody = streamOf(bytes);
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

interface ContextVarsOptions {
  readsForm: boolean;
}

export const contextVars = defineFeature({
  name: "MiddlewareContextVars",
  fields: z.looseObject({ enable_context_vars: z.boolean().default(false) }),
  honours: ["enable_context_vars"],
  compile: (definition): ContextVarsOptions | undefined => {
    if (!definition.enable_context_vars) return undefined;
    // The whole definition is searched, so a template in any feature's fields counts.
    return { readsForm: JSON.stringify(definition).includes("$tyk_context.request_data") };
  },
  step: (options) => async (ctx, next) => {
    ctx.contextVars = { formBody: options.readsForm ? await readFormBody(ctx) : undefined };
    return next();
  },
});
