import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RevocationChannel } from "../../src/revocation/channel";
import { RevocationFeed, type FeedTargets } from "../../src/revocation/feed";
import { propagationWindowMs, type Announcement, type Changes, type HeldDocuments, type HeldSession } from "../../src/revocation/protocol";

/* The isolate's side of the revocation channel, against a scripted channel and a fake clock. */

const boundMs = 2000;
const t0 = 1_000_000;

function changes(fields: Partial<Changes> = {}): Changes {
  return { epoch: "e1", seq: 1, keys: [], config: false, configVersion: "", configAt: 0, flush: false, complete: true, ...fields };
}

/** Answers polls from a script (then "nothing new"); `hold()` keeps the next answers until `release()`. */
class ScriptedChannel implements RevocationChannel {
  readonly polls: [string | null, number | null][] = [];
  readonly announced: Announcement[] = [];
  readonly heldAsked: string[] = [];
  script: Changes[] = [];
  failing = false;
  failAnnouncements = 0;
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  async changesSince(epoch: string | null, since: number | null): Promise<Changes> {
    this.polls.push([epoch, since]);
    await this.gate;
    if (this.failing) throw new Error("channel down");
    return this.script.shift() ?? changes({ epoch: epoch ?? "e1", seq: since ?? 1, flush: since === null });
  }

  async announce(change: Announcement): Promise<number> {
    if (this.failAnnouncements-- > 0) throw new Error("channel down");
    this.announced.push(change);
    return this.announced.length;
  }

  async held(id: string): Promise<HeldSession> {
    this.heldAsked.push(id);
    if (this.failing) throw new Error("channel down");
    return { known: true, body: null };
  }

  async heldDocuments(): Promise<HeldDocuments> {
    if (this.failing) throw new Error("channel down");
    return { apis: [], policies: [{ id: "p", body: null }] };
  }
}

class RecordingTargets implements FeedTargets {
  forgotten: string[] = [];
  flushes = 0;
  reloads = 0;
  served: string | undefined = "v1";

  forgetKeys(storageIds: readonly string[]): void {
    this.forgotten.push(...storageIds);
  }

  forgetAllKeys(): void {
    this.flushes++;
  }

  async reloadConfig(): Promise<void> {
    this.reloads++;
  }

  configVersion(): string | undefined {
    return this.served;
  }
}

const background: Promise<unknown>[] = [];
const waitUntil = (promise: Promise<unknown>) => void background.push(promise);
const settle = async () => {
  while (background.length > 0) await background.shift();
};

function feed(holdSessions = false) {
  const channel = new ScriptedChannel();
  const targets = new RecordingTargets();
  return { channel, targets, feed: new RevocationFeed(channel, targets, { boundMs, holdSessions }) };
}

/** A feed whose first poll (at t0) has been answered. */
async function heard(holdSessions = false) {
  const made = feed(holdSessions);
  await made.feed.check(t0, waitUntil);
  await settle();
  made.channel.polls.length = 0;
  return made;
}

describe("the revocation feed", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(t0);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    background.length = 0;
  });

  it("makes a new isolate's first request wait for its first poll", async () => {
    const { feed: revocations, channel } = feed();
    const first = revocations.check(t0, waitUntil);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(true);
    expect(channel.polls).toEqual([[null, null]]);
  });

  it("costs nothing but a timestamp comparison for half the bound after a poll", async () => {
    const { feed: revocations, channel } = await heard();
    expect(revocations.check(t0 + boundMs / 2 - 1, waitUntil)).toBe(true);
    expect(channel.polls).toEqual([]);
  });

  it("polls in the background from half the bound, one poll at a time, and sends its position", async () => {
    const { feed: revocations, channel } = await heard();
    channel.hold();
    expect(revocations.check(t0 + boundMs / 2, waitUntil)).toBe(true);
    expect(revocations.check(t0 + boundMs / 2 + 100, waitUntil)).toBe(true);
    expect(channel.polls).toEqual([["e1", 1]]);
    channel.release();
    await settle();
  });

  it("makes a request wait for the poll once the bound has passed since the last one was sent", async () => {
    const { feed: revocations, channel } = await heard();
    channel.hold();
    vi.setSystemTime(t0 + boundMs);
    const waiting = revocations.check(t0 + boundMs, waitUntil);
    expect(waiting).toBeInstanceOf(Promise);
    channel.release();
    expect(await waiting).toBe(true);
    // The poll was sent at t0 + boundMs: that is what the next bound counts from.
    expect(revocations.check(t0 + boundMs + boundMs / 2 - 1, waitUntil)).toBe(true);
  });

  it("forgets the changed keys, and reloads only when the announced config version is not the one served", async () => {
    const { feed: revocations, channel, targets } = await heard();
    channel.script = [changes({ seq: 3, keys: ["k1", "k2"], config: true, configVersion: "v1" })];
    vi.setSystemTime(t0 + boundMs);
    expect(await revocations.check(t0 + boundMs, waitUntil)).toBe(true);
    expect(targets.forgotten).toEqual(["k1", "k2"]);
    expect(targets.reloads).toBe(0);

    channel.script = [changes({ seq: 4, config: true, configVersion: "v2" })];
    vi.setSystemTime(t0 + 2 * boundMs);
    await revocations.check(t0 + 2 * boundMs, waitUntil);
    expect(targets.reloads).toBe(1);
    expect(channel.polls.at(-1)).toEqual(["e1", 3]);
  });

  it("asks again at once while an answer says more follows", async () => {
    const { feed: revocations, channel, targets } = await heard();
    channel.script = [changes({ seq: 2, keys: ["a"], complete: false }), changes({ seq: 3, keys: ["b"] })];
    vi.setSystemTime(t0 + boundMs);
    expect(await revocations.check(t0 + boundMs, waitUntil)).toBe(true);
    expect(channel.polls).toEqual([
      ["e1", 1],
      ["e1", 2],
    ]);
    expect(targets.forgotten).toEqual(["a", "b"]);
  });

  it("forgets every session on a flush; a new isolate reloads only for a reload it has not loaded", async () => {
    const fresh = feed();
    fresh.channel.script = [changes({ flush: true, configVersion: "v1" })];
    await fresh.feed.check(t0, waitUntil);
    expect([fresh.targets.flushes, fresh.targets.reloads]).toEqual([1, 0]);

    const behind = feed();
    behind.channel.script = [changes({ flush: true, configVersion: "v2" })];
    await behind.feed.check(t0, waitUntil);
    expect([behind.targets.flushes, behind.targets.reloads]).toEqual([1, 1]);
  });

  it("when the channel fails: refuses to vouch past the bound without waiting, and asks again every half bound", async () => {
    const { feed: revocations, channel } = await heard();
    channel.failing = true;
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.setSystemTime(t0 + boundMs);
    expect(await revocations.check(t0 + boundMs, waitUntil)).toBe(false);
    expect(revocations.check(t0 + boundMs + 100, waitUntil)).toBe(false);
    expect(channel.polls).toHaveLength(1);

    channel.failing = false;
    vi.setSystemTime(t0 + boundMs + boundMs / 2);
    expect(revocations.check(t0 + boundMs + boundMs / 2, waitUntil)).toBe(false);
    expect(channel.polls).toHaveLength(2);
    await settle();
    expect(revocations.check(t0 + boundMs + boundMs / 2 + 1, waitUntil)).toBe(true);
    expect(errors).toHaveBeenCalledTimes(1);
  });

  it("on Workers KV, asks the object for the sessions of keys changed within the window, and only those", async () => {
    const { feed: revocations, channel } = await heard(true);
    channel.script = [changes({ seq: 2, keys: ["changed"] })];
    vi.setSystemTime(t0 + boundMs);
    await revocations.check(t0 + boundMs, waitUntil);

    expect(await revocations.heldSession("changed")).toEqual({ known: true, body: null });
    expect(revocations.heldSession("untouched")).toBeUndefined();
    vi.setSystemTime(t0 + boundMs + propagationWindowMs);
    expect(revocations.heldSession("changed")).toBeUndefined();
    expect(channel.heldAsked).toEqual(["changed"]);
  });

  it("on Upstash, keeps no recently changed keys and announces no sessions", async () => {
    const { feed: revocations, channel } = await heard(false);
    channel.script = [changes({ seq: 2, keys: ["changed"] })];
    vi.setSystemTime(t0 + boundMs);
    await revocations.check(t0 + boundMs, waitUntil);
    expect(revocations.heldSession("changed")).toBeUndefined();
    await revocations.announceKey("changed", { org_id: "o" }, 0);
    expect(channel.announced).toEqual([{ kind: "key", id: "changed", document: undefined }]);
  });

  it("reads the store when the object cannot say what it holds", async () => {
    const { feed: revocations, channel } = await heard(true);
    channel.script = [changes({ seq: 2, keys: ["changed"] })];
    vi.setSystemTime(t0 + boundMs);
    await revocations.check(t0 + boundMs, waitUntil);
    channel.failing = true;
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await revocations.heldSession("changed")).toEqual({ known: false, body: null });
  });

  it("counts every key as recently changed after a flush too long to list them", async () => {
    const { feed: revocations } = (() => {
      const made = feed(true);
      made.channel.script = [changes({ flush: true, keys: ["listed"], complete: false })];
      return made;
    })();
    await revocations.check(t0, waitUntil);
    expect(revocations.heldSession("not-listed")).toBeInstanceOf(Promise);
  });

  it("reloads the config once more when the window after a reload ends, on Workers KV", async () => {
    const { feed: revocations, channel, targets } = await heard(true);
    channel.script = [changes({ seq: 2, config: true, configVersion: "v2", configAt: t0 })];
    vi.setSystemTime(t0 + boundMs);
    await revocations.check(t0 + boundMs, waitUntil);
    expect(targets.reloads).toBe(1);
    targets.served = "v2";

    const later = t0 + propagationWindowMs;
    vi.setSystemTime(later);
    await revocations.check(later, waitUntil);
    expect(targets.reloads).toBe(2);
    vi.setSystemTime(later + boundMs);
    await revocations.check(later + boundMs, waitUntil);
    expect(targets.reloads).toBe(2);
  });

  it("on Workers KV only, announces written definitions and policies and gives a reload those written within the window", async () => {
    const kv = await heard(true);
    await kv.feed.announceDocument("policies", "p", { id: "p" });
    await kv.feed.announceDocument("apis", "a", null);
    expect(kv.channel.announced).toEqual([
      { kind: "document", collection: "policies", id: "p", body: '{"id":"p"}' },
      { kind: "document", collection: "apis", id: "a", body: null },
    ]);
    expect(await kv.feed.heldDocuments()).toEqual({ apis: [], policies: [{ id: "p", body: null }] });
    kv.channel.failing = true;
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await kv.feed.heldDocuments()).toBeUndefined();

    const upstash = await heard(false);
    await upstash.feed.announceDocument("policies", "p", { id: "p" });
    expect(upstash.channel.announced).toEqual([]);
    expect(await upstash.feed.heldDocuments()).toBeUndefined();
  });

  it("announces a key with its session on Workers KV, tries twice, then fails naming the fallback bound", async () => {
    const { feed: revocations, channel } = await heard(true);
    channel.failAnnouncements = 1;
    await revocations.announceKey("k", { org_id: "o" }, 5);
    expect(channel.announced).toEqual([{ kind: "key", id: "k", document: { body: '{"org_id":"o"}', expiresAt: 5 } }]);
    await revocations.announceKey("gone", null, 0);
    expect(channel.announced.at(-1)).toEqual({ kind: "key", id: "gone", document: { body: null, expiresAt: 0 } });

    channel.failAnnouncements = 2;
    await expect(revocations.announceConfig("v9")).rejects.toThrow("other isolates see it within their cache TTL");
  });
});
