import type { CoreApi } from "./compile";

export interface RouteMatch<Api> {
  api: Api;
  /** Length of the request path the listen path consumed. */
  listenPathLength: number;
}

export type Routable = Pick<CoreApi, "domain" | "listenPathWeight" | "matchListenPath">;

/**
 * APIs ordered as Tyk orders its router: APIs bound to a domain first, then
 * the longest listen path first. Built once per config version.
 */
export class RouteTable<Api extends Routable> {
  private readonly apis: Api[];

  constructor(
    apis: Api[],
    private readonly customDomains: boolean,
  ) {
    this.apis = [...apis].sort(
      (a, b) => Number(customDomains && b.domain !== "") - Number(customDomains && a.domain !== "") || b.listenPathWeight - a.listenPathWeight,
    );
  }

  get size(): number {
    return this.apis.length;
  }

  all(): readonly Api[] {
    return this.apis;
  }

  match(host: string, path: string): RouteMatch<Api> | null {
    // Read only when an API is bound to a domain: most gateways route by listen path alone.
    let hostname: string | undefined;
    let hostnameWithoutPort: string | undefined;
    for (const api of this.apis) {
      if (this.customDomains && api.domain !== "") {
        hostname ??= host.toLowerCase();
        hostnameWithoutPort ??= hostname.replace(/:\d+$/, "");
        const candidate = api.domain.includes(":") ? hostname : hostnameWithoutPort;
        if (candidate !== api.domain) continue;
      }
      const listenPathLength = api.matchListenPath(path);
      if (listenPathLength >= 0) return { api, listenPathLength };
    }
    return null;
  }
}
