import { list, object, type Json } from "../apidef/raw-json";

/*
 * Turns a plain OpenAPI 3 document into a Tyk OAS one, as Tyk's
 * `POST /tyk/apis/oas/import` does (apidef/oas/default.go,
 * BuildDefaultTykExtension): the `x-tyk-api-gateway` extension is built from
 * the document (title, first server) and the query parameters, and each
 * operation gets the middleware the flags ask for. PATCH runs the same steps
 * without the import defaults. Pure: the input is never changed.
 */

/** Tyk's import query parameters; a flag is undefined when absent or not a Go boolean (Tyk ignores it then). */
export interface ImportParams {
  upstreamURL?: string;
  listenPath?: string;
  customDomain?: string;
  apiID?: string;
  allowList?: boolean;
  validateRequest?: boolean;
  mockResponse?: boolean;
  authentication?: boolean;
}

export type ImportResult = { ok: true; document: Json } | { ok: false; message: string };

export const importMessages = {
  emptyServers:
    "The ‘servers’ object is empty in your OAS. You can either add a ‘servers’ section to your OpenAPI description or provide a Custom Upstream URL in the manual configuration options below.",
  emptySecurity:
    "The ‘security’ object is empty in your OAS. When enabling authentication, your OpenAPI description must include a ‘security’ object that defines the authentication schemes. You can either add a ‘security’ object or disable authentication in the API settings.",
  invalidUpstreamURL:
    "The manually configured upstream URL is not valid. The URL must be absolute and properly formatted (e.g. https://example.com). Please check the URL format and try again.",
  invalidServerURL: (url: string) =>
    `The first entry in the ‘servers’ object of your OAS is not valid. The URL must be absolute and properly formatted (e.g. https://example.com). Please update ${JSON.stringify(url)} to be a valid URL and try again.`,
  undefinedServerVariables: "server URL contains undefined variables",
  variableWithoutDefault: (name: string) => `server variable ${name} does not have a default value`,
} as const;

// Go's strconv.ParseBool: anything else leaves the flag unset.
const goBooleans: Record<string, boolean> = {
  "1": true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

const textParams = ["upstreamURL", "listenPath", "customDomain", "apiID"] as const;
const flagParams = ["allowList", "validateRequest", "mockResponse", "authentication"] as const;

/** The parameters a request's query sets, or undefined when it sets none (Tyk then treats the call as carrying no parameters). */
export function importParamsFrom(query: (name: string) => string | undefined): ImportParams | undefined {
  const params: ImportParams = {};
  for (const name of textParams) {
    const value = query(name)?.trim();
    if (value) params[name] = value;
  }
  for (const name of flagParams) {
    const value = goBooleans[query(name)?.trim() ?? ""];
    if (value !== undefined) params[name] = value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

/** OpenAPI's operation keys, in the order Tyk visits them. */
const methods = ["connect", "delete", "get", "head", "options", "patch", "post", "put", "trace"] as const;

function child(parent: Json, key: string): Json {
  const existing = parent[key];
  if (existing !== null && typeof existing === "object" && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function isAbsoluteUrl(url: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) && URL.canParse(url);
}

/** The first server's URL with its variables replaced by their defaults. */
function firstServerUrl(document: Json): { ok: false; message: string } | { ok: true; url: string } {
  const server = object(list(document.servers)[0]);
  if (list(document.servers).length === 0) return { ok: false, message: importMessages.emptyServers };
  let url = typeof server.url === "string" ? server.url : "";
  if (!(url.includes("{") && url.includes("}"))) return { ok: true, url };
  for (const [name, variable] of Object.entries(object(server.variables))) {
    if (!url.includes(`{${name}}`)) continue;
    const fallback = object(variable).default;
    if (typeof fallback !== "string" || fallback === "") return { ok: false, message: importMessages.variableWithoutDefault(name) };
    url = url.replaceAll(`{${name}}`, fallback);
  }
  return url.includes("{") && url.includes("}") ? { ok: false, message: importMessages.undefinedServerVariables } : { ok: true, url };
}

/** Tyk's mapping of an OpenAPI security scheme to its own; undefined for kinds it does not import (OAuth 2.0 and others here). */
function tykScheme(scheme: Json, enabled: boolean, existing: Json): Json | undefined {
  const sourceHeader = { enabled: true, name: "Authorization" };
  if (scheme.type === "apiKey") return { ...existing, enabled };
  if (scheme.type === "http" && scheme.scheme === "bearer" && scheme.bearerFormat === "JWT") return { ...existing, enabled, header: sourceHeader };
  if (scheme.type === "http" && scheme.scheme === "basic") return { ...existing, enabled, header: sourceHeader };
  return undefined;
}

function importAuthentication(document: Json, extension: Json, enabled: boolean): string | undefined {
  const requirements = list(document.security);
  if (requirements.length === 0) return importMessages.emptySecurity;
  const authentication = child(child(extension, "server"), "authentication");
  authentication.enabled = enabled;
  const schemes = child(authentication, "securitySchemes");
  const declared = object(object(document.components).securitySchemes);
  for (const requirement of requirements) {
    for (const name of Object.keys(object(requirement))) {
      const mapped = tykScheme(object(declared[name]), enabled, object(schemes[name]));
      if (mapped !== undefined) schemes[name] = mapped;
    }
  }
  // With several schemes Tyk names the one whose identity a session takes: a token first, then a JWT, else OAuth.
  const kinds = Object.keys(schemes).map((name) => object(declared[name]));
  if (kinds.length >= 2) {
    const token = kinds.some((scheme) => scheme.type === "apiKey");
    const jwt = kinds.some((scheme) => scheme.type === "http" && scheme.scheme === "bearer" && scheme.bearerFormat === "JWT");
    authentication.baseIdentityProvider = token ? "auth_token" : jwt ? "jwt_claim" : "oauth_key";
  }
  return undefined;
}

function hasJsonRequestBody(operation: Json): boolean {
  return "application/json" in object(object(operation.requestBody).content);
}

function hasResponseExamples(operation: Json): boolean {
  return Object.values(object(operation.responses)).some((response) =>
    Object.values(object(object(response).content)).some((media) => {
      const content = object(media);
      return content.example !== undefined || content.schema !== undefined || Object.values(object(content.examples)).some((example) => example !== null);
    }),
  );
}

/** The operation's id, generated as Tyk does (path without its leading '/', then the method in capitals) and written back when missing. */
export function operationIdOf(operation: Json, path: string, method: string): string {
  if (typeof operation.operationId === "string" && operation.operationId !== "") return operation.operationId;
  const generated = `${path.replace(/^\//, "")}${method.toUpperCase()}`;
  operation.operationId = generated;
  return generated;
}

/** Adds the flags' middleware to every operation, drops operation entries no operation has any more, and empty ones. */
function importMiddleware(document: Json, extension: Json, params: ImportParams): void {
  const middleware = child(extension, "middleware");
  const operations = child(middleware, "operations");
  const current = new Set<string>();
  for (const [path, rawItem] of Object.entries(object(document.paths))) {
    const item = object(rawItem);
    const pathHasParameters = list(item.parameters).length > 0;
    for (const method of methods) {
      if (item[method] === null || typeof item[method] !== "object") continue;
      const operation = item[method] as Json;
      const id = operationIdOf(operation, path, method);
      current.add(id);
      const entry = object(operations[id]);
      if (params.allowList !== undefined) {
        entry.allow = { ...object(entry.allow), enabled: params.allowList };
        const block = object(entry.block);
        if (block.enabled === true && params.allowList) entry.block = { ...block, enabled: false };
      }
      if (params.validateRequest !== undefined && (list(operation.parameters).length > 0 || hasJsonRequestBody(operation) || pathHasParameters)) {
        entry.validateRequest = { ...object(entry.validateRequest), enabled: params.validateRequest, errorResponseCode: 422 };
      }
      if (params.mockResponse !== undefined && hasResponseExamples(operation)) {
        entry.mockResponse = { ...object(entry.mockResponse), enabled: params.mockResponse, fromOASExamples: { enabled: params.mockResponse } };
      }
      if (Object.keys(entry).length > 0) operations[id] = entry;
    }
  }
  for (const id of Object.keys(operations)) if (!current.has(id)) delete operations[id];
  if (Object.keys(operations).length === 0) delete middleware.operations;
  if (Object.keys(middleware).length === 0) delete extension.middleware;
}

/**
 * The document with its `x-tyk-api-gateway` extension built or updated from
 * `params`. `isImport` adds what Tyk's import sets on a new API: active, not
 * internal, the listen path stripped, context variables and traffic logs on.
 */
export function buildTykExtension(input: Json, params: ImportParams, isImport: boolean): ImportResult {
  const document = structuredClone(input);
  const extension = child(document, "x-tyk-api-gateway");
  const info = child(extension, "info");
  const server = child(extension, "server");
  const listenPath = child(server, "listenPath");
  if (isImport) {
    info.state = { ...object(info.state), active: true, internal: false };
    listenPath.strip = true;
    const global = child(child(extension, "middleware"), "global");
    global.contextVariables ??= { enabled: true };
    global.trafficLogs ??= { enabled: true };
  }
  if (typeof info.name !== "string" || info.name === "") info.name = object(document.info).title ?? "";
  if (params.apiID !== undefined) info.id = params.apiID;
  if (params.listenPath !== undefined) listenPath.value = params.listenPath;
  else if (typeof listenPath.value !== "string" || listenPath.value === "") listenPath.value = "/";
  if (params.customDomain !== undefined) server.customDomain = { enabled: true, ...object(server.customDomain), name: params.customDomain };

  const upstream = child(extension, "upstream");
  let url: string | undefined = params.upstreamURL;
  if (url === undefined && (typeof upstream.url !== "string" || upstream.url === "")) {
    const fromServers = firstServerUrl(document);
    if (!fromServers.ok) return fromServers;
    url = fromServers.url;
  }
  if (url !== undefined) {
    if (!isAbsoluteUrl(url))
      return { ok: false, message: params.upstreamURL !== undefined ? importMessages.invalidUpstreamURL : importMessages.invalidServerURL(url) };
    upstream.url = url;
  }
  if (params.authentication !== undefined) {
    const problem = importAuthentication(document, extension, params.authentication);
    if (problem !== undefined) return { ok: false, message: problem };
  }
  importMiddleware(document, extension, params);
  return { ok: true, document };
}

/** What Tyk does to a patched document: operation ids generated where missing, entries of operations that are gone dropped. */
export function syncOperations(input: Json): Json {
  const document = structuredClone(input);
  importMiddleware(document, child(document, "x-tyk-api-gateway"), {});
  return document;
}
