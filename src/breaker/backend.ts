import type { CircuitBreaker } from "./durable-object";
import { BreakerMachine, type BreakerAnswer, type BreakerSettings } from "./machine";

/** Where a breaker's state lives: its Durable Object, or the isolate itself when the binding is missing. */
export interface BreakerBackend {
  record(settings: BreakerSettings, successes: number, failures: number): Promise<BreakerAnswer>;
  probe(settings: BreakerSettings): Promise<BreakerAnswer>;
  probeResult(settings: BreakerSettings, failed: boolean): Promise<BreakerAnswer>;
}

/** A breaker object that has not answered by then counts as unavailable; the breaker then keeps what it knew. */
export const objectTimeoutMs = 500;

export class DurableBackend implements BreakerBackend {
  private readonly id: DurableObjectId;

  constructor(
    private readonly namespace: DurableObjectNamespace<CircuitBreaker>,
    name: string,
  ) {
    this.id = namespace.idFromName(name);
  }

  record(settings: BreakerSettings, successes: number, failures: number): Promise<BreakerAnswer> {
    return this.call((stub) => stub.record(settings, successes, failures));
  }

  probe(settings: BreakerSettings): Promise<BreakerAnswer> {
    return this.call((stub) => stub.probe(settings));
  }

  probeResult(settings: BreakerSettings, failed: boolean): Promise<BreakerAnswer> {
    return this.call((stub) => stub.probeResult(settings, failed));
  }

  private async call(run: (stub: DurableObjectStub<CircuitBreaker>) => Promise<BreakerAnswer>): Promise<BreakerAnswer> {
    // A stub per call: one that saw an error stays broken, and calls are at most a few a second.
    const stub = this.namespace.get(this.id);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${objectTimeoutMs} ms`)), objectTimeoutMs);
    });
    try {
      return await Promise.race([run(stub), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Without the CIRCUIT_BREAKER binding: Tyk's own model, one breaker per process (here, per isolate). */
export class IsolateBackend implements BreakerBackend {
  private readonly machine = new BreakerMachine();

  record(settings: BreakerSettings, successes: number, failures: number): Promise<BreakerAnswer> {
    return Promise.resolve(this.machine.record(settings, successes, failures, Date.now()));
  }

  probe(settings: BreakerSettings): Promise<BreakerAnswer> {
    return Promise.resolve(this.machine.probe(settings, Date.now()));
  }

  probeResult(settings: BreakerSettings, failed: boolean): Promise<BreakerAnswer> {
    return Promise.resolve(this.machine.probeResult(settings, failed, Date.now()));
  }
}
