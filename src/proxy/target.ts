/** Joins the target's path and the request path with exactly one slash; the target's own query is kept first. */
export function upstreamUrl(target: URL, path: string, query: string): string {
  const base = target.pathname.endsWith("/") ? target.pathname.slice(0, -1) : target.pathname;
  const search = [target.search.slice(1), query.replace(/^\?/, "")].filter(Boolean).join("&");
  return `${target.origin}${base}${path}${search ? `?${search}` : ""}`;
}
