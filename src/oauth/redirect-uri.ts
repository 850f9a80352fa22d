/*
 * Redirect URI rules of Tyk's OAuth server (osin): a requested URI is accepted
 * when it has the scheme and host of one of the client's URIs and its path is
 * that URI's path or below it; no fragments. A client may list several URIs
 * joined by the gateway's separator.
 */

export function clientUris(registered: string, separator: string): string[] {
  return separator ? registered.split(separator) : [registered];
}

export function firstUri(registered: string, separator: string): string {
  return clientUris(registered, separator)[0] ?? "";
}

function parse(uri: string): URL | null {
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

function matches(base: string, requested: string): string | null {
  if (base === "" || requested === "") return null;
  const baseUrl = parse(base);
  const url = parse(requested);
  if (!baseUrl || !url || baseUrl.hash || url.hash) return null;
  if (url.protocol !== baseUrl.protocol || url.host !== baseUrl.host) return null;
  const basePath = baseUrl.pathname || "/";
  if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath.replace(/\/+$/, "")}/`)) return null;
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

/** The URI to redirect to (normalised), or null when no registered URI allows it. */
export function validRedirect(registered: string, requested: string, separator: string): string | null {
  for (const base of clientUris(registered, separator)) {
    const valid = matches(base, requested);
    if (valid !== null) return valid;
  }
  return null;
}

/** `uri` with `params` added to its query (or, for implicit grants, set as its fragment), keys sorted as Go encodes them. */
export function withParams(uri: string, params: Record<string, string>, inFragment: boolean): string {
  const url = new URL(uri);
  const merged = inFragment ? new URLSearchParams() : new URLSearchParams(url.search);
  for (const [name, value] of Object.entries(params)) merged.set(name, value);
  merged.sort();
  url.hash = "";
  if (inFragment) return `${url.toString()}#${merged.toString()}`;
  url.search = merged.toString();
  return url.toString();
}
