import { isolateLogger } from "../lib/logger";
import { LruCache } from "../lib/lru";
import type { WaitUntil } from "../lib/wait-until";
import type { HostChecker } from "./host-checker";

/** Reads an API's down hosts from its checker (a Durable Object call). */
export type DownHostsReader = (apiId: string) => Promise<readonly string[]>;

/** The reader over the HOST_CHECKER binding; undefined without it, so every host counts as up. */
export function checkerReader(checkers: DurableObjectNamespace<HostChecker> | undefined): DownHostsReader | undefined {
  return checkers && ((apiId) => checkers.get(checkers.idFromName(apiId)).downHosts());
}

interface Entry {
  hosts: ReadonlySet<string>;
  /** -Infinity until the first read ends. */
  readAt: number;
  /** The read under way, shared by every request that needs it. */
  reading: Promise<ReadonlySet<string>> | undefined;
}

const nothingDown: ReadonlySet<string> = new Set();

/** APIs remembered; an API forgotten by the LRU is read again on its next request. */
const maxApis = 10_000;

/** A request never waits longer than this for a read; it balances on what is known (at first: every target up). */
const readTimeoutMs = 1000;

/**
 * The isolate's view of which hosts each API's uptime tests found down.
 * A request balances on a status less than `refreshMs` old from memory; one
 * between `refreshMs` and twice that also comes from memory, while a read from
 * the API's checker runs in the background (waitUntil). An older one (an
 * isolate's first request for the API, or the first after a quiet spell) waits
 * for the read, at most a second. So no request balances on a status older
 * than `2 × refreshMs` plus one read. A failed read (or no checker binding)
 * counts every host as up: an unreachable checker never stops traffic.
 */
export class HostStatusCache {
  private readonly entries = new LruCache<string, Entry>(maxApis);

  constructor(
    private readonly read: DownHostsReader | undefined,
    private readonly refreshMs: number,
  ) {}

  downHosts(apiId: string, waitUntil: WaitUntil): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    if (!this.read) return nothingDown;
    let entry = this.entries.get(apiId);
    if (!entry) {
      entry = { hosts: nothingDown, readAt: Number.NEGATIVE_INFINITY, reading: undefined };
      this.entries.set(apiId, entry);
    }
    const age = Date.now() - entry.readAt;
    if (age < this.refreshMs) return entry.hosts;
    entry.reading ??= this.fetch(apiId, entry);
    if (age < 2 * this.refreshMs) {
      waitUntil(entry.reading);
      return entry.hosts;
    }
    const known = entry.hosts;
    return Promise.race([entry.reading, new Promise<ReadonlySet<string>>((resolve) => setTimeout(() => resolve(known), readTimeoutMs))]);
  }

  private async fetch(apiId: string, entry: Entry): Promise<ReadonlySet<string>> {
    try {
      const hosts = await this.read!(apiId);
      entry.hosts = hosts.length === 0 ? nothingDown : new Set(hosts);
    } catch (error) {
      entry.hosts = nothingDown;
      isolateLogger.error("host status unavailable: balancing over every target", { api_id: apiId, error });
    }
    entry.readAt = Date.now();
    entry.reading = undefined;
    return entry.hosts;
  }
}
