import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { pathPattern } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { type CompiledTemplate, compileGoTemplate, type GoMap, type GoValue, parseXml } from "../template";
import { contextVariable } from "./context-vars";

/*
 * What Tyk's request and response body transforms share: the entry schema
 * (`transform` / `transform_response`: path, method, template_data), the
 * template compiled once per snapshot, the body decoded into the data Tyk
 * gives the template, and `_tyk_context` / `_tyk_meta`.
 *
 * A template is a configuration: one that cannot be used (not base64, a
 * construct outside the supported subset, `template_mode: file`) is an
 * invalid field and the definition is refused at load, rather than served
 * with the transform silently skipped (Tyk logs and skips the entry; a
 * upstream then gets bodies in a shape it was never meant to see).
 */

const templateData = z.looseObject({
  input_type: z.string().default(""),
  template_mode: z.string().default(""),
  enable_session: z.boolean().default(false),
  template_source: z.string().default(""),
});

const entryShape = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  template_data: templateData.prefault({}),
});

export type TransformEntry = z.infer<typeof entryShape>;

/** The fields of one entry, below `extended_paths.<list>.*`. */
export const transformHonours = ["path", "method", "disabled", ...Object.keys(templateData.shape).map((field) => `template_data.${field}`)];
export type InputType = "json" | "xml";

function decodeBase64(source: string): string {
  const binary = atob(source);
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

/** The template of an entry, or why it cannot be used. Validation and compile() each parse it: parsing is cheap next to a request. */
function compileEntryTemplate(source: string): CompiledTemplate | string {
  let text: string;
  try {
    text = decodeBase64(source);
  } catch {
    return "template_source must be the template in base64 (template_mode blob)";
  }
  try {
    return compileGoTemplate(text);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The entry schema; `defaultInput` is the input type an empty `input_type` means (the response transform reads JSON), or none. */
export function transformEntry(defaultInput: InputType | undefined) {
  return entryShape.superRefine((entry, ctx) => {
    if (entry.disabled) return;
    const data = entry.template_data;
    const input = data.input_type || defaultInput;
    if (input !== "json" && input !== "xml") {
      ctx.addIssue({ code: "custom", path: ["template_data", "input_type"], message: `must be "json" or "xml"` });
    }
    if (data.template_mode === "file") {
      ctx.addIssue({
        code: "custom",
        path: ["template_data", "template_mode"],
        message:
          "file templates cannot be read by this gateway (Workers have no file system): use template_mode blob with the base64 template in template_source",
      });
      return;
    }
    if (data.template_mode !== "blob") {
      ctx.addIssue({ code: "custom", path: ["template_data", "template_mode"], message: `must be "blob"` });
      return;
    }
    const compiled = compileEntryTemplate(data.template_source);
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", path: ["template_data", "template_source"], message: compiled });
  });
}

export interface CompiledTransform {
  pattern: RegExp;
  method: string;
  input: InputType;
  enableSession: boolean;
  template: CompiledTemplate;
}

/** The enabled entries of a version, compiled; undefined when there are none. */
export function compileTransforms(entries: readonly TransformEntry[], defaultInput: InputType | undefined): CompiledTransform[] | undefined {
  const compiled = entries.flatMap<CompiledTransform>((entry) => {
    if (entry.disabled) return [];
    const template = compileEntryTemplate(entry.template_data.template_source);
    if (typeof template === "string") throw new Error(template); // the schema refused it already
    const input = (entry.template_data.input_type || defaultInput) as InputType;
    return [{ pattern: compilePathPattern(entry.path), method: entry.method, input, enableSession: entry.template_data.enable_session, template }];
  });
  return compiled.length > 0 ? compiled : undefined;
}

/** Tyk matches the method exactly: an entry without one applies to no request. */
export function matchingTransform(entries: readonly CompiledTransform[] | undefined, path: string, method: string): CompiledTransform | undefined {
  return entries?.find((entry) => entry.method === method && entry.pattern.test(path));
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The body as the template's data: a JSON object as it is, a JSON list under "array", XML as mxj's map. Throws when it does not parse. */
export function bodyData(bytes: Uint8Array, input: InputType): GoMap {
  const text = utf8.decode(bytes);
  if (input === "xml") return parseXml(text === "" ? "<_/>" : text);
  const parsed = JSON.parse(text === "" ? "{}" : text) as GoValue;
  if (Array.isArray(parsed)) return { array: parsed };
  // A JSON string or number gives the template an empty map, as in Tyk.
  return typeof parsed === "object" && parsed !== null ? parsed : {};
}

/** Go's canonical header key (`x-api-key` → `X-Api-Key`). */
function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** Tyk's context data object (`._tyk_context`), as the context variables step would have stored it. */
function contextData(ctx: RequestContext): GoMap {
  const data: GoMap = {};
  const headers: GoMap = {};
  for (const [name, value] of ctx.request.headers) {
    if (name === "host") continue;
    const canonical = canonicalHeader(name);
    headers[canonical] = [value];
    data[`headers_${canonical.replaceAll("-", "_")}`] = value;
  }
  data["headers"] = headers;
  data["headers_Host"] = ctx.url.host;
  const requestData: GoMap = {};
  const addForm = (params: URLSearchParams) => {
    for (const [key, value] of params) {
      const list = requestData[key];
      if (Array.isArray(list)) list.push(value);
      else requestData[key] = [value];
      data[`request_data_${key.replaceAll("-", "_")}`] ??= value;
    }
  };
  if (ctx.contextVars?.formBody) addForm(ctx.contextVars.formBody);
  addForm(ctx.url.searchParams);
  data["request_data"] = requestData;
  for (const part of ctx.request.headers.get("cookie")?.split(";") ?? []) {
    const equals = part.indexOf("=");
    if (equals > 0) data[`cookies_${part.slice(0, equals).trim().replaceAll("-", "_")}`] = part.slice(equals + 1).trim();
  }
  const path = contextVariable(ctx, "path") ?? "";
  data["path"] = path;
  data["path_parts"] = path.split("/");
  data["remote_addr"] = ctx.clientIp;
  data["request_id"] = ctx.requestId;
  if (ctx.authToken !== undefined) data["token"] = ctx.authToken;
  for (const [claim, value] of Object.entries(ctx.jwtClaims ?? {})) data[`jwt_claims_${claim}`] = value as GoValue;
  return data;
}

/** Adds `_tyk_meta` (with enable_session, when a session exists) and `_tyk_context` (with enable_context_vars). */
export function addTykData(data: GoMap, ctx: RequestContext, transform: CompiledTransform): void {
  if (transform.enableSession) {
    // Read without the checked accessor: a keyless API has no session, and Tyk then only logs.
    const session = ctx.known.identity?.session;
    if (session) data["_tyk_meta"] = (session.meta_data ?? {}) as GoMap;
    else ctx.log.error("Session context was enabled but not found.");
  }
  if (ctx.contextVars) data["_tyk_context"] = contextData(ctx);
}
