import type { CompiledApi } from "../apidef/compile";
import { authConfigSchema, type AuthConfig } from "../apidef/schema";

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return undefined;
}

export function stripBearer(value: string): string {
  return value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7).trim() : value;
}

/** `auth_configs.authToken` when present, else the deprecated `auth` block, as Tyk resolves it. */
export function authTokenConfig(api: CompiledApi): AuthConfig {
  return api.definition.auth_configs["authToken"] ?? api.definition.auth;
}

const defaultAuthConfig = authConfigSchema.parse({});

/**
 * Where a method reads its credential: `auth_configs.<type>`; JWT falls back
 * to the deprecated `auth` block like the auth token, basic and HMAC to the
 * `Authorization` header (Tyk's getAuthToken).
 */
export function authConfigFor(api: CompiledApi, type: "basic" | "hmac" | "jwt"): AuthConfig {
  const configured = api.definition.auth_configs[type];
  if (configured) return configured;
  return type === "jwt" ? api.definition.auth : defaultAuthConfig;
}

/** The raw credential: the header, then the query parameter, then the cookie, a later source winning when present. */
export function readCredential(request: Request, url: URL, config: AuthConfig): string {
  const headerName = config.auth_header_name || "Authorization";
  let value = config.disable_header ? "" : (request.headers.get(headerName) ?? "");
  if (config.use_param) value = url.searchParams.get(config.param_name || headerName) || value;
  if (config.use_cookie) value = readCookie(request.headers.get("cookie"), config.cookie_name || headerName) || value;
  return value;
}

/**
 * The key a request presents, read as Tyk reads it: the header, then the query
 * parameter, then the cookie, a later source winning when it is present.
 */
export function extractKey(request: Request, url: URL, config: AuthConfig): string {
  const headerName = config.auth_header_name || "Authorization";
  let key = config.disable_header ? "" : stripBearer(request.headers.get(headerName) ?? "");
  if (config.use_param) key = url.searchParams.get(config.param_name || headerName) || key;
  if (config.use_cookie) key = readCookie(request.headers.get("cookie"), config.cookie_name || headerName) || key;
  return key;
}
