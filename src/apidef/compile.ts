import { compileListenPath, listenPathWeight, withoutTrailingSlashes } from "./paths";
import type { CoreDefinition } from "./schema";

/*
 * The core of an API compiled for the hot path, once per config snapshot:
 * routing, upstream targets and versions. Features compile their own options
 * next to it (src/features); together they make a served API.
 */

export interface CoreVersion {
  name: string;
  expiresAt: number | null;
  overrideTarget: URL | null;
}

export interface CoreApi {
  id: string;
  name: string;
  orgId: string;
  /** Lower-cased; empty matches any host. */
  domain: string;
  matchListenPath: (path: string) => number;
  listenPathWeight: number;
  /** As written in the definition (analytics records it so). */
  listenPath: string;
  /** Without trailing slashes: what a duplicate-route check compares. */
  route: string;
  stripListenPath: boolean;
  targets: URL[];
  keyless: boolean;
  expiresAt: number | null;
  versioning: {
    enabled: boolean;
    location: "header" | "url-param" | "url";
    key: string;
    stripVersion: boolean;
    defaultVersion: string;
  };
  versions: Map<string, CoreVersion>;
  tags: string[];
}

/** Tyk's expiry format `2006-01-02 15:04`, read as UTC. Empty or unparsable means never. */
export function parseTykExpiry(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute);
}

function compileVersion(name: string, expires: string, overrideTarget: string): CoreVersion {
  return {
    name,
    expiresAt: parseTykExpiry(expires),
    overrideTarget: URL.canParse(overrideTarget) ? new URL(overrideTarget) : null,
  };
}

export function compileCore(definition: CoreDefinition): CoreApi {
  const { proxy, version_data: versionData } = definition;
  const targetUrls = proxy.enable_load_balancing && proxy.target_list.length > 0 ? proxy.target_list : [proxy.target_url];
  const versions = new Map(Object.entries(versionData.versions).map(([name, info]) => [name, compileVersion(name, info.expires, info.override_target)]));
  if (versions.size === 0) versions.set("Default", compileVersion("Default", "", ""));
  const domain = definition.domain_disabled ? "" : definition.domain.trim().toLowerCase();
  return {
    id: definition.api_id,
    name: definition.name,
    orgId: definition.org_id,
    domain,
    matchListenPath: compileListenPath(proxy.listen_path),
    listenPathWeight: listenPathWeight(proxy.listen_path),
    listenPath: proxy.listen_path,
    route: `${domain}${withoutTrailingSlashes(proxy.listen_path)}`,
    stripListenPath: proxy.strip_listen_path,
    targets: targetUrls.map((url) => new URL(url)),
    keyless: definition.use_keyless,
    expiresAt: parseTykExpiry(definition.expiration),
    versioning: {
      enabled: !versionData.not_versioned,
      location: definition.definition.location,
      key: definition.definition.key || "x-api-version",
      stripVersion: definition.definition.strip_path || definition.definition.strip_versioning_data,
      defaultVersion: versionData.default_version,
    },
    versions,
    tags: definition.tags,
  };
}
