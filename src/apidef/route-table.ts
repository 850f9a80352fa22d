import type { CompiledApi } from "./compile";

export interface RouteMatch {
  api: CompiledApi;
  /** Length of the request path the listen path consumed. */
  listenPathLength: number;
}

/**
 * APIs ordered as Tyk orders its router: APIs bound to a domain first, then
 * the longest listen path first. Built once per config version.
 */
export class RouteTable {
  private readonly apis: CompiledApi[];

  constructor(
    apis: CompiledApi[],
    private readonly customDomains: boolean,
  ) {
    this.apis = [...apis].sort(
      (a, b) =>
        Number(customDomains && b.domain !== "") - Number(customDomains && a.domain !== "") ||
        b.listenPathWeight - a.listenPathWeight,
    );
  }

  get size(): number {
    return this.apis.length;
  }

  match(host: string, path: string): RouteMatch | null {
    const hostname = host.toLowerCase();
    const hostnameWithoutPort = hostname.replace(/:\d+$/, "");
    for (const api of this.apis) {
      if (this.customDomains && api.domain !== "") {
        const candidate = api.domain.includes(":") ? hostname : hostnameWithoutPort;
        if (candidate !== api.domain) continue;
      }
      const listenPathLength = api.matchListenPath(path);
      if (listenPathLength >= 0) return { api, listenPathLength };
    }
    return null;
  }
}
