import { describe, expect, it, vi } from "vitest";
import { IsolateBackend, type BreakerBackend } from "../../src/breaker/backend";
import { BreakerMachine, probeIntervalMs, tripsAt, type BreakerSettings } from "../../src/breaker/machine";
import { SharedBreaker } from "../../src/breaker/shared-breaker";
import { RollingWindow } from "../../src/breaker/window";
import { Logger } from "../../src/lib/logger";

/* The breaker's state machine and window: pure, every call given its time. */

const settings: BreakerSettings = { threshold: 0.5, minSamples: 4, cooldownMs: 10_000, halfOpen: true };
const t0 = 1_000_000;

/** A machine tripped at t0 (two failures in a window of two with minSamples 2). */
function tripped(overrides: Partial<BreakerSettings> = {}) {
  const machine = new BreakerMachine();
  const used = { ...settings, minSamples: 2, ...overrides };
  expect(machine.record(used, 0, 2, t0).events).toEqual([{ name: "BreakerTripped", samples: 2, failures: 2 }]);
  return { machine, used };
}

describe("rolling window", () => {
  it("counts outcomes for ten one-second buckets, then forgets them", () => {
    const window = new RollingWindow();
    window.add(t0, 3, 1);
    window.add(t0 + 4_500, 1, 2);
    expect(window.totals(t0 + 5_000)).toEqual({ samples: 7, failures: 3 });
    expect(window.totals(t0 + 9_999)).toEqual({ samples: 7, failures: 3 });
    expect(window.totals(t0 + 10_000)).toEqual({ samples: 3, failures: 2 });
    expect(window.totals(t0 + 15_000)).toEqual({ samples: 0, failures: 0 });
  });

  it("starts a reused bucket afresh", () => {
    const window = new RollingWindow();
    window.add(t0, 5, 5);
    window.add(t0 + 10_000, 1, 0);
    expect(window.totals(t0 + 10_000)).toEqual({ samples: 1, failures: 0 });
  });
});

describe("trip condition (Tyk's RateTripFunc)", () => {
  it("needs at least minSamples outcomes and a failure share at or over the threshold", () => {
    expect(tripsAt(settings, { samples: 3, failures: 3 })).toBe(false);
    expect(tripsAt(settings, { samples: 4, failures: 1 })).toBe(false);
    expect(tripsAt(settings, { samples: 4, failures: 2 })).toBe(true);
    expect(tripsAt({ ...settings, threshold: 0, minSamples: 0 }, { samples: 0, failures: 0 })).toBe(false);
    expect(tripsAt({ ...settings, threshold: 0, minSamples: 0 }, { samples: 1, failures: 1 })).toBe(true);
  });

  it("is checked on failures only: successes never trip, whatever the window holds", () => {
    const machine = new BreakerMachine();
    machine.record({ ...settings, threshold: 0 }, 10, 0, t0);
    expect(machine.open).toBeNull();
    expect(machine.record({ ...settings, threshold: 0 }, 0, 1, t0).view.open).toBe(true);
  });
});

describe("breaker state machine", () => {
  it("reports the window while closed and trips on the failure that crosses the threshold", () => {
    const machine = new BreakerMachine();
    expect(machine.record(settings, 2, 1, t0)).toEqual({
      view: { open: false, samples: 3, failures: 1, closesInMs: 0, probeInMs: -1 },
      events: [],
      granted: false,
    });
    const answer = machine.record(settings, 0, 1, t0 + 100);
    expect(answer.events).toEqual([{ name: "BreakerTripped", samples: 4, failures: 2 }]);
    expect(answer.view).toEqual({ open: true, samples: 0, failures: 0, closesInMs: 10_000, probeInMs: 500 });
    expect(machine.open).toEqual({ trippedAt: t0 + 100, lastFailureAt: t0 + 100, probes: 0 });
  });

  it("ignores outcomes sent while open: they belong to requests sent before it opened", () => {
    const { machine, used } = tripped();
    const before = machine.open;
    expect(machine.record(used, 5, 0, t0 + 10).events).toEqual([]);
    expect(machine.open).toBe(before);
  });

  it("grants the first probe 500 ms after the last failure, one at a time, waiting longer after each", () => {
    const { machine, used } = tripped();
    expect(machine.probe(used, t0 + 499).granted).toBe(false);
    const first = machine.probe(used, t0 + 500);
    expect(first.granted).toBe(true);
    expect(first.view.probeInMs).toBe(250); // the next one only 750 ms after the last failure
    expect(machine.probe(used, t0 + 600).granted).toBe(false);
    // That probe never reported: another may go once the longer wait is over.
    expect(machine.probe(used, t0 + 750).granted).toBe(true);
    expect(machine.open?.probes).toBe(2);
  });

  it("keeps a breaker whose probe failed open and restarts the wait from that failure", () => {
    const { machine, used } = tripped();
    machine.probe(used, t0 + 500);
    const failed = machine.probeResult(used, true, t0 + 520);
    expect(failed.view.open).toBe(true);
    expect(failed.events).toEqual([]);
    expect(failed.view.probeInMs).toBe(probeIntervalMs(1));
    expect(machine.probe(used, t0 + 520 + 749).granted).toBe(false);
    expect(machine.probe(used, t0 + 520 + 750).granted).toBe(true);
  });

  it("closes on a good probe, with an empty window", () => {
    const { machine, used } = tripped();
    machine.probe(used, t0 + 500);
    const good = machine.probeResult(used, false, t0 + 510);
    expect(good.events).toEqual([{ name: "BreakerReset", after: "probe" }]);
    expect(good.view).toEqual({ open: false, samples: 0, failures: 0, closesInMs: 0, probeInMs: -1 });
    expect(machine.open).toBeNull();
  });

  it("grants no probe with half-open off, and closes when the cooldown is over", () => {
    const { machine, used } = tripped({ halfOpen: false });
    expect(machine.view(used, t0 + 1).probeInMs).toBe(-1);
    expect(machine.probe(used, t0 + 9_999).granted).toBe(false);
    const after = machine.probe(used, t0 + 10_000);
    expect(after.events).toEqual([{ name: "BreakerReset", after: "cooldown" }]);
    // Closed: the request goes as an ordinary one.
    expect(after.granted).toBe(true);
    expect(after.view.open).toBe(false);
  });

  it("closes after the cooldown with half-open on too, whatever the probes said", () => {
    const { machine, used } = tripped();
    machine.probe(used, t0 + 500);
    machine.probeResult(used, true, t0 + 600);
    const answer = machine.record(used, 0, 1, t0 + 10_000);
    expect(answer.events).toEqual([{ name: "BreakerReset", after: "cooldown" }]);
    // The window starts empty: one failure is under minSamples.
    expect(answer.view).toMatchObject({ open: false, samples: 1, failures: 1 });
  });

  it("reads the cooldown from the settings of each call, so an edited definition applies to an open breaker", () => {
    const { machine, used } = tripped();
    expect(machine.view({ ...used, cooldownMs: 1_000 }, t0 + 400).closesInMs).toBe(600);
    expect(machine.record({ ...used, cooldownMs: 1_000 }, 0, 0, t0 + 1_000).events).toEqual([{ name: "BreakerReset", after: "cooldown" }]);
  });

  it("counts a probe that reports after the breaker closed as an ordinary outcome", () => {
    const { machine, used } = tripped();
    machine.probe(used, t0 + 500);
    const late = machine.probeResult(used, true, t0 + 10_001);
    expect(late.events).toEqual([{ name: "BreakerReset", after: "cooldown" }]);
    expect(late.view).toMatchObject({ open: false, samples: 1, failures: 1 });
  });

  it("restores an open breaker from its stored state", () => {
    const machine = new BreakerMachine({ trippedAt: t0, lastFailureAt: t0 + 600, probes: 1 });
    expect(machine.view(settings, t0 + 1_000)).toEqual({ open: true, samples: 0, failures: 0, closesInMs: 9_000, probeInMs: 350 });
  });

  it("grows the probe interval by half each time, up to a minute", () => {
    expect([0, 1, 2, 3].map(probeIntervalMs)).toEqual([500, 750, 1125, 1687.5]);
    expect(probeIntervalMs(40)).toBe(60_000);
  });
});

describe("an isolate's side of a breaker", () => {
  /** The isolate-local machine behind a counter of calls, which can be made to fail. */
  function countingBackend() {
    const inner = new IsolateBackend();
    const calls: string[] = [];
    let failing = false;
    const call = <T>(name: string, run: () => Promise<T>): Promise<T> => {
      calls.push(name);
      return failing ? Promise.reject(new Error("object unavailable")) : run();
    };
    const backend: BreakerBackend = {
      record: (s, successes, failures) => call("record", () => inner.record(s, successes, failures)),
      probe: (s) => call("probe", () => inner.probe(s)),
      probeResult: (s, failed) => call("probeResult", () => inner.probeResult(s, failed)),
    };
    const fail = () => {
      failing = true;
    };
    return { backend, calls, fail };
  }

  function isolate(overrides: Partial<BreakerSettings> = {}) {
    const { backend, calls, fail } = countingBackend();
    const breaker = new SharedBreaker({ ...settings, ...overrides }, backend, new Logger({ test: true }));
    const background: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>) => void background.push(promise);
    const admit = async () => {
      const decided = breaker.admit(Date.now(), waitUntil);
      return typeof decided === "string" ? decided : await decided;
    };
    return { breaker, calls, fail, waitUntil, admit, settled: () => Promise.all(background) };
  }

  it("asks the object once before its first decision, then decides healthy requests without it", async () => {
    const { breaker, calls, admit, waitUntil } = isolate();
    for (let request = 0; request < 200; request++) {
      expect(await admit()).toBe("pass");
      expect(breaker.settle("pass", false, Date.now(), waitUntil)).toBeUndefined();
    }
    expect(calls).toEqual(["record"]);
  });

  it("stops at once when its own outcomes would trip the breaker, and tells the object straight away", async () => {
    const { breaker, calls, admit, waitUntil, settled } = isolate({ minSamples: 2, threshold: 1 });
    expect(await admit()).toBe("pass");
    breaker.settle("pass", true, Date.now(), waitUntil);
    expect(await admit()).toBe("pass");
    breaker.settle("pass", true, Date.now(), waitUntil);
    expect(await admit()).toBe("refuse");
    await settled();
    expect(calls).toEqual(["record", "record"]);
    expect(await admit()).toBe("refuse");
  });

  it("fails open when the object does not answer, and does not ask again for a second", async () => {
    const errors: string[] = [];
    const { breaker, calls, fail, admit, waitUntil } = isolate();
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    fail();
    expect(await admit()).toBe("pass");
    breaker.settle("pass", true, Date.now(), waitUntil);
    expect(await admit()).toBe("pass");
    expect(calls).toEqual(["record"]);
    expect(errors.map((line) => JSON.parse(line).message)).toEqual(["circuit breaker state unavailable"]);
    vi.restoreAllMocks();
  });
});
