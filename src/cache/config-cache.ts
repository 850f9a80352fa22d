import { compileStoredApis } from "../apidef/load";
import { RouteTable } from "../apidef/route-table";
import { policySchema, type Policy } from "../session/schema";
import type { Store } from "../store";

export interface ConfigSnapshot {
  version: string;
  routes: RouteTable;
  policies: Map<string, Policy>;
}

type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * The isolate's copy of APIs and policies. Requests read the snapshot from
 * memory; at most once per `checkIntervalMs` a background check compares the
 * store's config version and swaps in a freshly compiled snapshot when it moved.
 */
export class ConfigCache {
  private snapshot: ConfigSnapshot | undefined;
  private loading: Promise<ConfigSnapshot> | undefined;
  private checkedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly options: { checkIntervalMs: number; customDomains: boolean },
  ) {}

  current(waitUntil: WaitUntil): ConfigSnapshot | Promise<ConfigSnapshot> {
    if (!this.snapshot) return this.load();
    if (Date.now() - this.checkedAt >= this.options.checkIntervalMs && !this.loading) {
      this.checkedAt = Date.now();
      waitUntil(this.reloadIfChanged().catch((error) => console.error("config version check failed", error)));
    }
    return this.snapshot;
  }

  /** Drops the snapshot so the next request loads the store's current config. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  private async reloadIfChanged(): Promise<void> {
    const version = await this.store.getConfigVersion();
    if (version !== this.snapshot?.version) await this.load();
  }

  private load(): Promise<ConfigSnapshot> {
    this.loading ??= this.fetchSnapshot().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchSnapshot(): Promise<ConfigSnapshot> {
    const version = await this.store.getConfigVersion();
    const [apis, policyDocuments] = await Promise.all([this.store.getAll("apis"), this.store.getAll("policies")]);
    const policies = new Map<string, Policy>();
    for (const [id, raw] of policyDocuments) {
      const parsed = policySchema.safeParse(raw);
      if (parsed.success) policies.set(id, parsed.data);
      else console.error(JSON.stringify({ message: "skipping invalid policy", policy_id: id }));
    }
    const snapshot = { version, routes: new RouteTable(compileStoredApis(apis), this.options.customDomains), policies };
    this.snapshot = snapshot;
    this.checkedAt = Date.now();
    return snapshot;
  }
}
