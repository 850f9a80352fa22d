/** Hands out an API version's upstream targets in turn (Tyk's round-robin load balancing). */
export class RoundRobin {
  private next = 0;

  constructor(private readonly targets: readonly URL[]) {
    if (targets.length === 0) throw new Error("RoundRobin needs at least one target");
  }

  pick(): URL {
    const target = this.targets[this.next]!;
    this.next = (this.next + 1) % this.targets.length;
    return target;
  }
}

/** Joins the target's path and the request path with exactly one slash; the target's own query is kept first. */
export function upstreamUrl(target: URL, path: string, query: string): string {
  const base = target.pathname.endsWith("/") ? target.pathname.slice(0, -1) : target.pathname;
  const search = [target.search.slice(1), query.replace(/^\?/, "")].filter(Boolean).join("&");
  return `${target.origin}${base}${path}${search ? `?${search}` : ""}`;
}
