import * as z from "zod";

/** Where a method reads its credential: Tyk's `auth` block and each `auth_configs.<type>`. */
export const authConfigSchema = z.looseObject({
  auth_header_name: z.string().default("Authorization"),
  use_param: z.boolean().default(false),
  param_name: z.string().default(""),
  use_cookie: z.boolean().default(false),
  cookie_name: z.string().default(""),
  disable_header: z.boolean().default(false),
});

export type AuthConfig = z.output<typeof authConfigSchema>;

export const defaultAuthConfig: AuthConfig = authConfigSchema.parse({});

/** A value that is not valid percent-encoding is taken as written (Go does not decode cookie values at all). */
function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return percentDecoded(part.slice(separator + 1).trim());
  }
  return undefined;
}

export function stripBearer(value: string): string {
  return value.length > 7 && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7).trim() : value;
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
