import type { CompiledApi } from "../apidef/compile";

let roundRobin = 0;

/** The upstream base URL: the version's override, else the target (round-robin over `target_list`). */
export function pickTarget(api: CompiledApi, overrideTarget: URL | null): URL {
  if (overrideTarget) return overrideTarget;
  if (api.targets.length === 1) return api.targets[0]!;
  roundRobin = (roundRobin + 1) % api.targets.length;
  return api.targets[roundRobin]!;
}

/** Joins the target's path and the request path with exactly one slash; the target's own query is kept first. */
export function upstreamUrl(target: URL, path: string, query: string): string {
  const base = target.pathname.endsWith("/") ? target.pathname.slice(0, -1) : target.pathname;
  const search = [target.search.slice(1), query.replace(/^\?/, "")].filter(Boolean).join("&");
  return `${target.origin}${base}${path}${search ? `?${search}` : ""}`;
}
