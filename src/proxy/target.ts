/** A target's origin and path (without a trailing slash) and its own query (without "?"). */
interface TargetParts {
  prefix: string;
  query: string;
}

/** Targets live as long as their config snapshot; their parts are read once instead of through URL getters per request. */
const partsOfTarget = new WeakMap<URL, TargetParts>();

function partsOf(target: URL): TargetParts {
  let parts = partsOfTarget.get(target);
  if (!parts) {
    const path = target.pathname.endsWith("/") ? target.pathname.slice(0, -1) : target.pathname;
    parts = { prefix: `${target.origin}${path}`, query: target.search.slice(1) };
    partsOfTarget.set(target, parts);
  }
  return parts;
}

/** Joins the target's path and the request path with exactly one slash; the target's own query is kept first. */
export function upstreamUrl(target: URL, path: string, query: string): string {
  const { prefix, query: own } = partsOf(target);
  const asked = query.startsWith("?") ? query.slice(1) : query;
  const search = own && asked ? `${own}&${asked}` : own || asked;
  return search ? `${prefix}${path}?${search}` : `${prefix}${path}`;
}
