import type { ApiEvents } from "../events/handlers";
import { breakerMeta } from "../events/meta";
import type { Logger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { BreakerBackend } from "./backend";
import { probeIntervalMs, tripsAt, type BreakerAnswer, type BreakerEvent, type BreakerSettings, type BreakerView } from "./machine";

/*
 * An isolate's side of one breaker. The state lives in the breaker's object
 * (backend.ts); the isolate acts on its last answer and never waits for the
 * object while that answer is fresh:
 *
 * - outcomes are counted locally and sent at most once a second, in the
 *   background (`waitUntil`), and the answer brings the shared state back;
 * - when the isolate's own outcomes, added to the window the object last
 *   reported, would trip the breaker, it stops sending at once and sends them
 *   straight away (the object decides: other isolates' successes may outweigh);
 * - an answer older than `staleAfterMs` (an isolate idle that long, or a new one)
 *   is refreshed before the request is decided, so every request is decided on
 *   what the object said at most `staleAfterMs` before: a breaker that trips
 *   through one isolate stops every other within that bound, within about
 *   `syncIntervalMs` for an isolate that is busy;
 * - while open, a request that finds a probe due asks the object for it; the
 *   object grants one at a time, and the probe's outcome is reported before its
 *   answer goes back, so the next request already sees the result.
 *
 * When the object fails or does not answer, the isolate keeps acting on what
 * it knew (closed, for one that knew nothing) and tries again a second later:
 * the breaker fails open, as an upstream must not go dark because its guard did.
 */

export const syncIntervalMs = 1000;
export const staleAfterMs = 2000;

/** What the step does with a request: send it, send it as the probe of an open breaker, or refuse it (503). */
export type Admission = "pass" | "probe" | "refuse";

const closedView: BreakerView = { open: false, samples: 0, failures: 0, closesInMs: 0, probeInMs: -1 };

export class SharedBreaker {
  private view: BreakerView | null = null;
  /** When the request behind `view` was sent: the age that counts against `staleAfterMs`. */
  private askedAt = Number.NEGATIVE_INFINITY;
  private closesAt = 0;
  private probeAt = Number.POSITIVE_INFINITY;
  /** Outcomes not sent to the object yet. */
  private successes = 0;
  private failures = 0;
  private syncing: Promise<void> | null = null;
  /** Outcomes that should reach the object now arrived while a sync was out: send again when it is back. */
  private urgent = false;
  private probing = false;
  /** The API's event handlers, for Tyk's BreakerTriggered / BreakerTripped / BreakerReset; set by the registry. */
  events: { handlers: ApiEvents; apiId: string; path: string } | undefined;
  /** Event webhooks being queued, awaited before the call that raised them ends (it is what a request's waitUntil holds). */
  private notices: Promise<unknown>[] = [];

  constructor(
    /** Replaced when a new config snapshot changes the definition. */
    public settings: BreakerSettings,
    private readonly backend: BreakerBackend,
    private readonly log: Logger,
  ) {}

  /** A string when decided from what the isolate knows (the healthy path); a promise when the object must be asked first. */
  admit(now: number, waitUntil: WaitUntil): Admission | Promise<Admission> {
    const age = now - this.askedAt;
    if (age >= staleAfterMs) return this.refreshThenDecide();
    if (age >= syncIntervalMs && !this.syncing) waitUntil(this.sync());
    return this.decide(now);
  }

  /**
   * The outcome of a request `admit` let through; `failed` is Tyk's failure (no
   * answer, or a 5xx). Returns a promise only for a probe, whose report the
   * request waits for.
   */
  settle(admission: Admission, failed: boolean, now: number, waitUntil: WaitUntil): Promise<void> | undefined {
    if (admission === "probe") return this.reportProbe(failed);
    // While open, outcomes belong to requests sent before it opened.
    if (this.view?.open) return undefined;
    if (!failed) {
      this.successes++;
      return undefined;
    }
    this.failures++;
    const seen = this.view ?? closedView;
    if (tripsAt(this.settings, { samples: seen.samples + this.successes + this.failures, failures: seen.failures + this.failures })) {
      this.openLocally(now);
      this.urgent = true;
      if (!this.syncing) waitUntil(this.sync());
    }
    return undefined;
  }

  private decide(now: number): Admission | Promise<Admission> {
    const view = this.view!;
    if (!view.open) return "pass";
    if (now >= this.closesAt) {
      // The cooldown is over; the object closes it too when next asked.
      this.view = closedView;
      return "pass";
    }
    if (!this.settings.halfOpen || now < this.probeAt || this.probing) return "refuse";
    return this.askForProbe();
  }

  private async refreshThenDecide(): Promise<Admission> {
    await (this.syncing ?? this.sync());
    return this.decide(Date.now());
  }

  /** Until the object answers, refuses as the object will once it sees these outcomes (or reopens when it does not). */
  private openLocally(now: number): void {
    const probeInMs = this.settings.halfOpen ? probeIntervalMs(0) : -1;
    this.view = { open: true, samples: 0, failures: 0, closesInMs: this.settings.cooldownMs, probeInMs };
    this.closesAt = now + this.settings.cooldownMs;
    this.probeAt = probeInMs < 0 ? Number.POSITIVE_INFINITY : now + probeInMs;
  }

  private sync(): Promise<void> {
    this.syncing ??= this.sendOutcomes().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async sendOutcomes(): Promise<void> {
    do {
      this.urgent = false;
      const { successes, failures } = this;
      this.successes = 0;
      this.failures = 0;
      const sentAt = Date.now();
      try {
        this.apply(await this.backend.record(this.settings, successes, failures), sentAt);
        await this.sendNotices();
      } catch (error) {
        // Fail open, and wait a full interval before asking again. The outcomes are dropped, not replayed later into a newer window.
        this.askedAt = Math.max(this.askedAt, sentAt);
        this.view ??= closedView;
        this.log.error("circuit breaker state unavailable", { error });
        return;
      }
    } while (this.urgent && !this.view?.open);
  }

  private async askForProbe(): Promise<Admission> {
    this.probing = true;
    const sentAt = Date.now();
    try {
      const answer = await this.backend.probe(this.settings);
      this.apply(answer, sentAt);
      await this.sendNotices();
      if (!answer.granted) return "refuse";
      return answer.view.open ? "probe" : "pass";
    } catch (error) {
      this.log.error("circuit breaker state unavailable", { error });
      return "refuse";
    } finally {
      this.probing = false;
    }
  }

  private async reportProbe(failed: boolean): Promise<void> {
    const sentAt = Date.now();
    try {
      this.apply(await this.backend.probeResult(this.settings, failed), sentAt);
      await this.sendNotices();
    } catch (error) {
      // The object grants the next probe after its own interval anyway.
      this.log.error("circuit breaker state unavailable", { error });
    }
  }

  private apply(answer: BreakerAnswer, sentAt: number): void {
    for (const event of answer.events) {
      if (event.name === "BreakerTripped") this.log.warn(event.name, { window_samples: event.samples, window_failures: event.failures });
      else this.log.info(event.name, { after: event.after });
      this.raise(event);
    }
    // A probe's answer can overtake a sync sent before it: keep the newer state.
    if (sentAt < this.askedAt) return;
    const now = Date.now();
    const view = answer.view;
    this.view = view;
    this.askedAt = sentAt;
    this.closesAt = now + view.closesInMs;
    this.probeAt = view.probeInMs < 0 ? Number.POSITIVE_INFINITY : now + view.probeInMs;
    if (view.open) {
      this.successes = 0;
      this.failures = 0;
    }
  }

  /** Tyk raises BreakerTriggered (CircuitEvent 0 tripped, 1 reset) and the event of the transition itself. */
  private raise(event: BreakerEvent): void {
    if (!this.events) return;
    const { handlers, apiId, path } = this.events;
    const meta = breakerMeta(apiId, path, event.name === "BreakerTripped");
    const sink = { log: this.log, waitUntil: (promise: Promise<unknown>) => void this.notices.push(promise) };
    handlers.raise(sink, "BreakerTriggered", meta);
    handlers.raise(sink, event.name, meta);
  }

  private async sendNotices(): Promise<void> {
    if (this.notices.length === 0) return;
    const notices = this.notices;
    this.notices = [];
    await Promise.all(notices);
  }
}
