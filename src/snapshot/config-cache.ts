import { RouteTable, type Routable } from "../apidef/route-table";
import { generationKind, generationsFrom } from "../cache/generations";
import { isolateLogger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { DocumentCollection, HeldDocuments } from "../revocation/protocol";
import { policySchema, type Policy } from "../session/schema";
import type { Store } from "../store";

export interface ConfigSnapshot<Api extends Routable> {
  version: string;
  routes: RouteTable<Api>;
  policies: Map<string, Policy>;
  /** Each API's response cache generation (src/cache/generations.ts), by API id; absent: "". */
  cacheGenerations: Map<string, string>;
}

export interface ConfigCacheOptions<Api> {
  checkIntervalMs: number;
  customDomains: boolean;
  /** Validates and compiles the stored API definitions; invalid ones are left out (and logged) by it. */
  compileApis: (documents: Map<string, unknown>) => Api[];
  /**
   * The revocation channel (src/revocation/feed.ts), when bound: it brings
   * reloads within `boundMs`. When it cannot be heard, the store's version is
   * checked every `boundMs` instead of every `checkIntervalMs`.
   */
  channel?: {
    readonly boundMs: number;
    check(now: number, waitUntil: WaitUntil): boolean | Promise<boolean>;
    /** On Workers KV: definitions and policies written too recently for a KV read to be trusted. */
    heldDocuments(): Promise<HeldDocuments | undefined>;
  };
}

/**
 * The isolate's copy of APIs and policies. Requests read the snapshot from
 * memory; at most once per `checkIntervalMs` a background check compares the
 * store's config version and swaps in a freshly compiled snapshot when it moved.
 */
export class ConfigCache<Api extends Routable> {
  private snapshot: ConfigSnapshot<Api> | undefined;
  private loading: Promise<ConfigSnapshot<Api>> | undefined;
  private checkedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly options: ConfigCacheOptions<Api>,
  ) {}

  current(waitUntil: WaitUntil): ConfigSnapshot<Api> | Promise<ConfigSnapshot<Api>> {
    if (!this.snapshot) return this.load();
    const heard = this.options.channel?.check(Date.now(), waitUntil);
    if (heard instanceof Promise) return heard.then((ok) => this.checked(ok, waitUntil));
    return this.checked(heard, waitUntil);
  }

  /** The snapshot, after a background version check when one is due; `heard` is undefined without a channel. */
  private checked(heard: boolean | undefined, waitUntil: WaitUntil): ConfigSnapshot<Api> | Promise<ConfigSnapshot<Api>> {
    const intervalMs = heard === false ? Math.min(this.options.checkIntervalMs, this.options.channel!.boundMs) : this.options.checkIntervalMs;
    if (Date.now() - this.checkedAt >= intervalMs && !this.loading) {
      this.checkedAt = Date.now();
      waitUntil(this.reloadIfChanged().catch((error) => isolateLogger.error("config version check failed", { error })));
    }
    return this.snapshot ?? this.load();
  }

  /** Loads the store's config now: after any load under way, which may have read the store before the change. */
  async refresh(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.load();
  }

  /** The API's response cache generation in the snapshot being served (part of its cache keys). */
  cacheGeneration(apiId: string): string {
    return this.snapshot?.cacheGenerations.get(apiId) ?? "";
  }

  /** The store's config version the snapshot being served was loaded at. */
  servedVersion(): string | undefined {
    return this.snapshot?.version;
  }

  /** Drops the snapshot, and any load under way (it may have read the store before the change), so the next request loads the store's current config. */
  invalidate(): void {
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private async reloadIfChanged(): Promise<void> {
    const version = await this.store.getConfigVersion();
    if (version !== this.snapshot?.version) await this.load();
  }

  private load(): Promise<ConfigSnapshot<Api>> {
    if (this.loading) return this.loading;
    const loading: Promise<ConfigSnapshot<Api>> = this.fetchSnapshot()
      .then((snapshot) => {
        // A load dropped by invalidate() still answers its own callers, but later requests get the newer one.
        if (this.loading === loading) {
          this.snapshot = snapshot;
          this.checkedAt = Date.now();
        }
        return snapshot;
      })
      .finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    this.loading = loading;
    return loading;
  }

  private async fetchSnapshot(): Promise<ConfigSnapshot<Api>> {
    const version = await this.store.getConfigVersion();
    const [apis, policyDocuments, generations, held] = await Promise.all([
      this.store.getAll("apis"),
      this.store.getAll("policies"),
      this.store.getAll(generationKind),
      this.options.channel?.heldDocuments(),
    ]);
    layOver(apis, held?.apis);
    layOver(policyDocuments, held?.policies);
    const policies = new Map<string, Policy>();
    for (const [id, raw] of policyDocuments) {
      const parsed = policySchema.safeParse(raw);
      if (parsed.success) policies.set(id, parsed.data);
      else isolateLogger.error("skipping invalid policy", { policy_id: id });
    }
    const routes = new RouteTable(this.options.compileApis(apis), this.options.customDomains);
    return { version, routes, policies, cacheGenerations: generationsFrom(generations) };
  }
}

/** Documents the channel holds win over what the store returned, which on Workers KV may predate them. */
function layOver(documents: Map<string, unknown>, held: HeldDocuments[DocumentCollection] = []): void {
  for (const { id, body } of held) {
    if (body === null) documents.delete(id);
    else documents.set(id, JSON.parse(body));
  }
}
