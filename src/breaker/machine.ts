import { RollingWindow, type WindowTotals } from "./window";

/*
 * One circuit breaker's state, as Tyk's RateBreaker keeps it
 * (rubyist/circuitbreaker, created by gateway/api_definition.go):
 *
 * - closed: outcomes go into a ten-second rolling window; a failure trips the
 *   breaker when the window holds at least `minSamples` outcomes and the share
 *   of failures is at least `threshold` (a fraction, 0.5 = half);
 * - open: requests are refused. With half-open on, one request at a time is let
 *   through as a probe, the first 500 ms after the last failure, then at
 *   intervals growing by half each time (Tyk's exponential back-off, without its
 *   random jitter: one object hands out the probes, so there is no herd to
 *   spread). A probe that succeeds closes the breaker; one that fails keeps it
 *   open and restarts the wait.
 * - `cooldownMs` after tripping the breaker closes whatever the probes said
 *   (Tyk's return_to_service_after timer), with an empty window.
 *
 * Pure and clock-free (every call is given `now`): the CircuitBreaker Durable
 * Object runs it for all isolates, and an isolate runs its own when the
 * binding is missing.
 */

export interface BreakerSettings {
  /** Share of failures in the window that trips the breaker (0..1). */
  threshold: number;
  /** Outcomes the window must hold before it can trip. */
  minSamples: number;
  /** How long the breaker stays open (Tyk's return_to_service_after, in ms). */
  cooldownMs: number;
  /** Probe while open (Tyk's half-open state; `disable_half_open_state` turns it off). */
  halfOpen: boolean;
}

/** What the breaker looks like now, for an isolate to act on until it asks again. Times are relative: isolates' clocks are not the object's. */
export interface BreakerView {
  open: boolean;
  /** Closed: outcomes in the window (so an isolate can tell when its own would trip it). */
  samples: number;
  failures: number;
  /** Open: until the breaker closes on its own. */
  closesInMs: number;
  /** Open: until a probe may be granted; -1 when there will be none (half-open off). */
  probeInMs: number;
}

export type BreakerEvent = { name: "BreakerTripped"; samples: number; failures: number } | { name: "BreakerReset"; after: "cooldown" | "probe" };

export interface BreakerAnswer {
  view: BreakerView;
  /** Transitions this call caused, for the caller to log (each is reported to exactly one caller). */
  events: BreakerEvent[];
  /** `probe` only: the request may go upstream (a probe while open; an ordinary request once closed). */
  granted: boolean;
}

/** An open breaker; replaced, never changed in place, so a holder can tell when to persist it. */
export interface OpenState {
  trippedAt: number;
  lastFailureAt: number;
  /** Probes granted since the trip: each lengthens the wait for the next. */
  probes: number;
}

const probeBackoff = { initialMs: 500, multiplier: 1.5, maxMs: 60_000 };

/** The wait before the next probe after `probes` have been granted. */
export function probeIntervalMs(probes: number): number {
  return Math.min(probeBackoff.initialMs * probeBackoff.multiplier ** probes, probeBackoff.maxMs);
}

/** Tyk's RateTripFunc: enough samples, and a failure share at or over the threshold. */
export function tripsAt(settings: BreakerSettings, totals: WindowTotals): boolean {
  return totals.samples > 0 && totals.samples >= settings.minSamples && totals.failures / totals.samples >= settings.threshold;
}

export class BreakerMachine {
  private readonly window = new RollingWindow();

  constructor(private openState: OpenState | null = null) {}

  get open(): OpenState | null {
    return this.openState;
  }

  /** Outcomes of requests sent while closed. Ignored while open: they were sent before the breaker tripped. */
  record(settings: BreakerSettings, successes: number, failures: number, now: number): BreakerAnswer {
    const events = this.settle(settings, now);
    if (!this.openState) this.count(settings, successes, failures, now, events);
    return this.answer(settings, now, events, false);
  }

  /** Asks to let one request through while open. */
  probe(settings: BreakerSettings, now: number): BreakerAnswer {
    const events = this.settle(settings, now);
    const open = this.openState;
    if (!open) return this.answer(settings, now, events, true);
    const granted = settings.halfOpen && now >= this.nextProbeAt(open);
    if (granted) this.openState = { ...open, probes: open.probes + 1 };
    return this.answer(settings, now, events, granted);
  }

  /** The outcome of a granted probe. */
  probeResult(settings: BreakerSettings, failed: boolean, now: number): BreakerAnswer {
    const events = this.settle(settings, now);
    const open = this.openState;
    if (!open) {
      // Closed while the probe was out: an ordinary outcome.
      this.count(settings, failed ? 0 : 1, failed ? 1 : 0, now, events);
    } else if (failed) {
      this.openState = { ...open, lastFailureAt: now };
    } else {
      this.close(events, "probe");
    }
    return this.answer(settings, now, events, false);
  }

  view(settings: BreakerSettings, now: number): BreakerView {
    const open = this.openState;
    if (!open) return { open: false, ...this.window.totals(now), closesInMs: 0, probeInMs: -1 };
    return {
      open: true,
      samples: 0,
      failures: 0,
      closesInMs: Math.max(0, open.trippedAt + settings.cooldownMs - now),
      probeInMs: settings.halfOpen ? Math.max(0, this.nextProbeAt(open) - now) : -1,
    };
  }

  private count(settings: BreakerSettings, successes: number, failures: number, now: number, events: BreakerEvent[]): void {
    this.window.add(now, successes, failures);
    if (failures === 0) return;
    const totals = this.window.totals(now);
    if (!tripsAt(settings, totals)) return;
    this.openState = { trippedAt: now, lastFailureAt: now, probes: 0 };
    events.push({ name: "BreakerTripped", ...totals });
  }

  /** Closes a breaker whose cooldown is over; settings are read now, so a changed definition applies to a breaker already open. */
  private settle(settings: BreakerSettings, now: number): BreakerEvent[] {
    const events: BreakerEvent[] = [];
    if (this.openState && now >= this.openState.trippedAt + settings.cooldownMs) this.close(events, "cooldown");
    return events;
  }

  private close(events: BreakerEvent[], after: "cooldown" | "probe"): void {
    this.openState = null;
    this.window.reset();
    events.push({ name: "BreakerReset", after });
  }

  private nextProbeAt(open: OpenState): number {
    return open.lastFailureAt + probeIntervalMs(open.probes);
  }

  private answer(settings: BreakerSettings, now: number, events: BreakerEvent[], granted: boolean): BreakerAnswer {
    return { view: this.view(settings, now), events, granted };
  }
}
