import type { ApiEvents } from "../events/handlers";
import { isolateLogger } from "../lib/logger";
import { LruCache } from "../lib/lru";
import { DurableBackend, IsolateBackend, type BreakerBackend } from "./backend";
import type { CircuitBreaker } from "./durable-object";
import type { BreakerSettings } from "./machine";
import { SharedBreaker } from "./shared-breaker";

/** A breaker as a definition configures it, compiled once per config snapshot. */
export interface BreakerSpec {
  /** Names its object: the same API, version, method and path share one breaker across snapshots and isolates. */
  name: string;
  settings: BreakerSettings;
  /** Fields of its log lines. */
  labels: { api_id: string; version: string; method: string; path: string };
}

/** Breakers an isolate keeps; the oldest goes first, which only costs it a fresh look at the object. */
const maxBreakers = 10_000;

export function breakerName(apiId: string, version: string, method: string, path: string): string {
  return JSON.stringify([apiId, version, method, path]);
}

/** The isolate's breakers, kept across config snapshots so counts and state survive a reload. */
export class Breakers {
  private readonly breakers = new LruCache<string, SharedBreaker>(maxBreakers);
  private warned = false;

  constructor(private readonly namespace: DurableObjectNamespace<CircuitBreaker> | undefined) {}

  /** `events`: the API's event handlers, when it has any. */
  for(spec: BreakerSpec, events?: ApiEvents): SharedBreaker {
    // `peek`: every request comes here, so the order is not refreshed on each one.
    let breaker = this.breakers.peek(spec.name);
    if (breaker === undefined) {
      breaker = new SharedBreaker(spec.settings, this.backend(spec), isolateLogger.with(spec.labels));
      this.breakers.set(spec.name, breaker);
    } else {
      breaker.settings = spec.settings;
    }
    if (breaker.events?.handlers !== events) breaker.events = events && { handlers: events, apiId: spec.labels.api_id, path: spec.labels.path };
    return breaker;
  }

  private backend(spec: BreakerSpec): BreakerBackend {
    if (this.namespace) return new DurableBackend(this.namespace, spec.name);
    if (!this.warned) {
      this.warned = true;
      isolateLogger.warn("the CIRCUIT_BREAKER Durable Object binding is missing: circuit breakers count and trip per isolate", spec.labels);
    }
    return new IsolateBackend();
  }
}
