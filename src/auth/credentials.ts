import type { CompiledApi } from "../apidef/compile";
import type { AuthConfig } from "../apidef/schema";

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return undefined;
}

function stripBearer(value: string): string {
  return value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7).trim() : value;
}

/** `auth_configs.authToken` when present, else the deprecated `auth` block, as Tyk resolves it. */
export function authTokenConfig(api: CompiledApi): AuthConfig {
  return api.definition.auth_configs["authToken"] ?? api.definition.auth;
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
