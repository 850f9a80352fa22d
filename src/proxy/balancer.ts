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

/**
 * Hands out a version's targets in turn (Tyk's round-robin load balancing;
 * a target listed twice gets twice the share). One Balancer per API version,
 * so versions and APIs never share a counter.
 */
export class Balancer {
  private next = 0;

  constructor(private readonly source: TargetSource) {}

  async pick(ctx: RequestContext): Promise<URL> {
    const targets = await this.source.targets(ctx);
    const target = targets[this.next % targets.length]!;
    this.next = (this.next + 1) % targets.length;
    return target;
  }
}
