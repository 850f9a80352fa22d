import type { RequestContext } from "../chain/context";

/** Where a version's upstream targets come from: the definition's list today, a discovery service too. */
export interface TargetSource {
  targets(ctx: RequestContext): readonly URL[] | Promise<readonly URL[]>;
}

/** The definition's own targets: `override_target`, `target_list` or `target_url`. */
export class FixedTargets implements TargetSource {
  constructor(private readonly list: readonly URL[]) {
    if (list.length === 0) throw new Error("FixedTargets needs at least one target");
  }

  targets(): readonly URL[] {
    return this.list;
  }
}

/** Hosts (`URL.host`) that uptime tests found down, as this isolate last heard: a memory read, except an isolate's first. */
export interface HostStatus {
  downHosts(ctx: RequestContext): ReadonlySet<string> | Promise<ReadonlySet<string>>;
}

/**
 * Hands out a version's targets in turn (Tyk's round-robin load balancing;
 * a target listed twice gets twice the share). One Balancer per API version,
 * so versions and APIs never share a counter. With a host status (Tyk's
 * `check_host_against_uptime_tests`), a target whose host is down is passed
 * over for the next one in the list; the turn still moves by one per request,
 * as in Tyk's nextTarget. `pick` answers null when every target is down.
 */
export class Balancer {
  private next = 0;

  constructor(
    private readonly source: TargetSource,
    private readonly status?: HostStatus,
  ) {}

  async pick(ctx: RequestContext): Promise<URL | null> {
    const targets = await this.source.targets(ctx);
    const start = this.next % targets.length;
    this.next = (start + 1) % targets.length;
    if (!this.status) return targets[start]!;
    const status = this.status.downHosts(ctx);
    // Awaited only on an isolate's first read: every later pick reads memory without a microtask.
    const down = status instanceof Promise ? await status : status;
    for (let offset = 0; offset < targets.length; offset++) {
      const target = targets[(start + offset) % targets.length]!;
      if (!down.has(target.host)) return target;
    }
    return null;
  }
}

/**
 * Tyk's answer when every target is down: its proxy sends the request to an
 * internal server that replies with Go's `http.Error`, so the client gets a
 * plain-text 503 as if from the upstream.
 */
export function allHostsDown(): Response {
  return new Response("all hosts are down\n", {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}
