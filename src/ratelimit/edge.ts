import { isolateLogger } from "../lib/logger";
import type { CounterSpec, CounterView, RateSpec } from "./counters";

/*
 * Edge mode's counters: Cloudflare's Rate Limiting binding. A binding's limit
 * and period (10 or 60 s) are fixed in wrangler.toml, it counts per
 * Cloudflare location, it is eventually consistent and it cannot take an
 * admission back. So a Tyk rate goes to the edge only when a binding was
 * declared for exactly that rate, named after it:
 * `EDGE_RATE_LIMIT_<limit>_PER_<seconds>` (e.g. `EDGE_RATE_LIMIT_100_PER_60`
 * for `rate: 100, per: 60`). Quotas, and rates without a binding, stay with
 * the RateLimiter object in fast mode. See docs/rate-limits.md.
 */

/** Cloudflare's Rate Limiting binding (`[[ratelimits]]`), as far as the gateway uses it. */
export interface EdgeRateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** One rate the edge counts for a target, and the binding key it counts under. */
export interface EdgeCounter {
  spec: RateSpec;
  binding: EdgeRateLimit;
  key: string;
}

const bindingName = /^EDGE_RATE_LIMIT_([1-9]\d*)_PER_(10|60)$/;
const isBinding = (value: unknown): value is EdgeRateLimit =>
  typeof value === "object" && value !== null && typeof (value as { limit?: unknown }).limit === "function";
const maxEstimates = 10_000;

/** The binding name that would count `limit` requests per `seconds`. */
export const edgeBindingName = (limit: number, seconds: number): string => `EDGE_RATE_LIMIT_${limit}_PER_${seconds}`;

export class EdgeLimits {
  /** Unmatched rates already logged, so each is reported once per isolate. */
  private readonly reported = new Set<string>();
  /** This isolate's own admissions per edge key and window: the `remaining` estimate for headers. */
  private readonly estimates = new Map<string, { window: number; count: number }>();

  private constructor(private readonly bindings: ReadonlyMap<string, EdgeRateLimit>) {}

  /** Finds the `EDGE_RATE_LIMIT_<limit>_PER_<seconds>` bindings among the Worker's bindings. */
  static from(bindings: Record<string, unknown>): EdgeLimits {
    const found = new Map<string, EdgeRateLimit>();
    for (const [name, value] of Object.entries(bindings)) {
      const match = bindingName.exec(name);
      if (match && isBinding(value)) found.set(`${match[1]}/${Number(match[2]) * 1000}`, value);
    }
    return new EdgeLimits(found);
  }

  get size(): number {
    return this.bindings.size;
  }

  /** Splits a target's counters: rates with a binding go to the edge, the rest to the object. */
  split(name: string, specs: CounterSpec[]): { edge: EdgeCounter[]; rest: CounterSpec[] } {
    const edge: EdgeCounter[] = [];
    const rest: CounterSpec[] = [];
    for (const spec of specs) {
      const binding = spec.kind === "rate" ? this.bindings.get(`${spec.limit}/${spec.windowMs}`) : undefined;
      if (spec.kind === "rate" && binding) edge.push({ spec, binding, key: `${name}|${spec.id}` });
      else {
        if (spec.kind === "rate") this.reportUnmatched(spec);
        rest.push(spec);
      }
    }
    return { edge, rest };
  }

  /** What headers can say about an edge counter: the limit exactly; remaining from this isolate's count only. */
  view(counter: EdgeCounter, allowed: boolean, now: number): CounterView {
    const { spec } = counter;
    const window = Math.floor(now / spec.windowMs);
    let estimate = this.estimates.get(counter.key);
    if (!estimate || estimate.window !== window) {
      if (this.estimates.size >= maxEstimates) this.estimates.clear();
      estimate = { window, count: 0 };
      this.estimates.set(counter.key, estimate);
    }
    if (allowed) estimate.count++;
    const remaining = allowed ? Math.max(0, spec.limit - estimate.count) : 0;
    return { id: spec.id, kind: "rate", limit: spec.limit, remaining, resetAt: (window + 1) * spec.windowMs, windowMs: spec.windowMs };
  }

  private reportUnmatched(spec: RateSpec): void {
    const rate = `${spec.limit}/${spec.windowMs}`;
    if (this.reported.has(rate)) return;
    this.reported.add(rate);
    const seconds = spec.windowMs / 1000;
    isolateLogger.warn("edge rate limit not available for this rate: counted in fast mode", {
      limit: spec.limit,
      per_seconds: seconds,
      binding: seconds === 10 || seconds === 60 ? edgeBindingName(spec.limit, seconds) : null,
      reason: seconds === 10 || seconds === 60 ? "no binding with this name" : "Cloudflare's binding counts per 10 or 60 seconds only",
    });
  }
}
