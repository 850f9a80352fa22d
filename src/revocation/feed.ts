import { isolateLogger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { RevocationChannel } from "./channel";
import { propagationWindowMs, type Announcement, type Changes, type DocumentCollection, type HeldDocuments, type HeldSession } from "./protocol";
import { RecentKeys } from "./recent-keys";

/*
 * An isolate's side of the Revocations object. The Gateway API announces
 * every key change and `/tyk/reload` before it answers; each isolate asks for
 * the changes since its last position and drops those keys from its session
 * cache (a reload: it reloads its config snapshot), so no request is decided
 * on a cache the channel has not confirmed for `boundMs`:
 *
 * - a request less than `boundMs / 2` after the last poll was sent costs one
 *   timestamp comparison;
 * - from `boundMs / 2` a poll runs in the background (`waitUntil`), at most one
 *   at a time, so a busy isolate never waits;
 * - from `boundMs` (an isolate idle that long, or new) the request waits for
 *   the poll, at most `callTimeoutMs`;
 * - when the channel fails, requests do not wait for it: `check` answers false
 *   and the key store serves no session read from the store more than
 *   `boundMs` ago (store reads instead of cache hits, see the README). It is
 *   asked again every `boundMs / 2`.
 *
 * On Workers KV a store read can return a document up to a minute old, so for
 * `propagationWindowMs` after hearing of a key change the isolate reads that
 * key's session from the object; a reload lays the API definitions and
 * policies written within the window (held by the object) over what KV
 * returned, and the config is reloaded once more when the window after a
 * reload ends.
 */

export interface FeedTargets {
  forgetKeys(storageIds: readonly string[]): void;
  forgetAllKeys(): void;
  /** Loads the config snapshot again; resolves once requests get the new one. */
  reloadConfig(): Promise<void>;
  /** The config version of the snapshot requests get now; undefined before the first. */
  configVersion(): string | undefined;
}

export interface FeedSettings {
  boundMs: number;
  /** Workers KV: hold recently changed documents in the object, as KV reads may be stale. */
  holdSessions: boolean;
}

/** An answer holds `pageSize` changes; an isolate this far behind is flushed by the object anyway. */
const maxPagesPerPoll = 20;
const maxRecentKeys = 20_000;

const log = isolateLogger.with({ component: "revocations" });

export class RevocationFeed {
  private epoch: string | null = null;
  private seq: number | null = null;
  /** When the last poll that brought every change was sent: the age that counts against the bound. */
  private heardAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private polling: Promise<boolean> | null = null;
  private settleConfigAt = Number.POSITIVE_INFINITY;
  private readonly recent: RecentKeys | undefined;

  constructor(
    private readonly channel: RevocationChannel,
    private readonly targets: FeedTargets,
    private readonly settings: FeedSettings,
  ) {
    this.recent = settings.holdSessions ? new RecentKeys(maxRecentKeys) : undefined;
  }

  get boundMs(): number {
    return this.settings.boundMs;
  }

  /**
   * True when caches may serve this request; a promise while a poll it must
   * wait for runs; false when the channel cannot be heard (the caller then
   * serves nothing older than the bound).
   */
  check(now: number, waitUntil: WaitUntil): boolean | Promise<boolean> {
    const age = now - this.heardAt;
    const intervalMs = this.settings.boundMs / 2;
    if (age < intervalMs) return true;
    const down = this.failedAt > this.heardAt;
    if (!this.polling && !(down && now - this.failedAt < intervalMs)) {
      this.polling = this.poll().finally(() => {
        this.polling = null;
      });
      waitUntil(this.polling);
    }
    if (age < this.settings.boundMs) return true;
    return down || !this.polling ? false : this.polling;
  }

  /** The session the object holds for a key changed within the window, or undefined when the store may be read. */
  heldSession(storageId: string): Promise<HeldSession> | undefined {
    if (!this.recent?.has(storageId, Date.now())) return undefined;
    return this.channel.held(storageId).catch((error: unknown) => {
      // No key id in the line: with key hashing off it is the key itself.
      log.error("recently changed session unavailable from the Revocations object; reading the store", { error });
      return { known: false, body: null };
    });
  }

  /** `expiresAt`: when the key's session lifetime ends (ms), 0 for never. */
  announceKey(storageId: string, session: unknown, expiresAt: number): Promise<void> {
    const document = this.recent ? { body: session === null ? null : JSON.stringify(session), expiresAt } : undefined;
    return this.announce({ kind: "key", id: storageId, document });
  }

  announceConfig(version: string): Promise<void> {
    return this.announce({ kind: "config", version });
  }

  /** An API definition or policy as stored (null: deleted); only on Workers KV, whose reads may not show it yet. */
  announceDocument(collection: DocumentCollection, id: string, document: unknown): Promise<void> {
    if (!this.recent) return Promise.resolve();
    return this.announce({ kind: "document", collection, id, body: document === null ? null : JSON.stringify(document) });
  }

  /** On Workers KV: the API definitions and policies written within the window, for a reload to lay over what KV returns. */
  async heldDocuments(): Promise<HeldDocuments | undefined> {
    if (!this.recent) return undefined;
    try {
      return await this.channel.heldDocuments();
    } catch (error) {
      log.error("recently written definitions and policies unavailable from the Revocations object; reloading from the store alone", { error });
      return undefined;
    }
  }

  /** Tried twice: an announcement made twice is harmless, one never made leaves other isolates on the TTL bound. */
  private async announce(change: Announcement): Promise<void> {
    try {
      await this.channel.announce(change);
    } catch {
      try {
        await this.channel.announce(change);
      } catch (error) {
        throw new Error(`the change is stored, but the Revocations object could not be told; other isolates see it within their cache TTL: ${error}`);
      }
    }
  }

  private async poll(): Promise<boolean> {
    const sentAt = Date.now();
    try {
      let caughtUp = false;
      for (let page = 0; page < maxPagesPerPoll && !caughtUp; page++) {
        caughtUp = await this.apply(await this.channel.changesSince(this.epoch, this.seq));
      }
      if (Date.now() >= this.settleConfigAt) {
        this.settleConfigAt = Number.POSITIVE_INFINITY;
        await this.targets.reloadConfig();
      }
      if (caughtUp) this.heardAt = sentAt;
      return caughtUp;
    } catch (error) {
      this.failedAt = Date.now();
      log.error("revocation channel unavailable: sessions are read from the store once older than the bound", { error, bound_ms: this.settings.boundMs });
      return false;
    }
  }

  /** Applies one answer; true when nothing more is waiting. The position moves only once everything in it is applied. */
  private async apply(answer: Changes): Promise<boolean> {
    const now = Date.now();
    if (answer.flush) this.targets.forgetAllKeys();
    else if (answer.keys.length > 0) this.targets.forgetKeys(answer.keys);
    if (this.recent) {
      this.recent.add(answer.keys, now + propagationWindowMs, now);
      if (answer.flush && !answer.complete) this.recent.addEveryKey(now + propagationWindowMs);
    }
    // After a flush any reload may have been missed; the announced version tells whether one was (the own isolate's, too).
    if ((answer.config || answer.flush) && answer.configVersion !== "" && answer.configVersion !== this.targets.configVersion()) {
      await this.targets.reloadConfig();
    }
    if (this.recent && (answer.config || answer.flush) && answer.configAt + propagationWindowMs > now) {
      this.settleConfigAt = answer.configAt + propagationWindowMs;
    }
    this.epoch = answer.epoch;
    this.seq = answer.seq;
    return answer.flush || answer.complete;
  }
}
