import { compileCore, type CoreApi } from "./compile";
import { at } from "./raw-json";
import { coreDefinitionSchema } from "./schema";

/*
 * What a definition must meet to be written (by the Gateway API or kv-seed),
 * beyond what it needs to be served: a route no other active API has, and
 * lengths within what a URL or a host name can carry.
 */

/** A listen path is a URL path prefix: 1 KB is far beyond real routes, and far below Cloudflare's 16 KB URL limit. */
export const maxListenPathLength = 1024;
/** A host name has at most 253 characters, then room for ":" and a port. */
export const maxDomainLength = 259;

const lengthLimits: [path: string, max: number][] = [
  ["proxy.listen_path", maxListenPathLength],
  ["domain", maxDomainLength],
];

/** "field: must be at most N characters" for each field over its limit. */
export function lengthIssues(raw: unknown): string[] {
  return lengthLimits.flatMap(([path, max]) => {
    const value = at(raw, path);
    return typeof value === "string" && value.length > max ? [`${path}: must be at most ${max} characters`] : [];
  });
}

type Routed = Pick<CoreApi, "route" | "domain" | "listenPath">;

/**
 * Tyk serves one API per domain + listen path: the gateway skips a later
 * active API on a route already taken (src/compile.ts), so writers refuse it
 * up front. Inactive APIs claim nothing.
 */
export class RouteClaims<Owner> {
  private readonly owners = new Map<string, Owner>();

  /** Claims the API's route for `owner`; returns the earlier owner instead when the route is taken. */
  claim(api: Routed, active: boolean, owner: Owner): Owner | undefined {
    if (!active) return undefined;
    const taken = this.owners.get(api.route);
    if (taken !== undefined) return taken;
    this.owners.set(api.route, owner);
    return undefined;
  }
}

/** The message for an API whose route `owner` already has, naming the field at fault. */
export function routeTaken(api: Routed, owner: string): string {
  return `proxy.listen_path: "${api.listenPath}" on domain "${api.domain}" is already used by ${owner}`;
}

/**
 * The routes of stored definitions, each owned by its api_id, leaving out
 * `replacing` (the definition a write replaces). A definition that does not
 * parse is not served, so it claims nothing.
 */
export function storedRouteClaims(documents: ReadonlyMap<string, unknown>, replacing: string): RouteClaims<string> {
  const claims = new RouteClaims<string>();
  for (const [id, raw] of documents) {
    if (id === replacing) continue;
    const core = coreDefinitionSchema.safeParse(raw);
    if (core.success) claims.claim(compileCore(core.data), core.data.active, id);
  }
  return claims;
}
