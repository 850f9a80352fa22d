import { RouteTable, type Routable } from "../apidef/route-table";
import { isolateLogger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import { policySchema, type Policy } from "../session/schema";
import type { Store } from "../store";

export interface ConfigSnapshot<Api extends Routable> {
  version: string;
  routes: RouteTable<Api>;
  policies: Map<string, Policy>;
}

export interface ConfigCacheOptions<Api> {
  checkIntervalMs: number;
  customDomains: boolean;
  /** Validates and compiles the stored API definitions; invalid ones are left out (and logged) by it. */
  compileApis: (documents: Map<string, unknown>) => Api[];
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
    if (Date.now() - this.checkedAt >= this.options.checkIntervalMs && !this.loading) {
      this.checkedAt = Date.now();
      waitUntil(this.reloadIfChanged().catch((error) => isolateLogger.error("config version check failed", { error })));
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

  private load(): Promise<ConfigSnapshot<Api>> {
    this.loading ??= this.fetchSnapshot().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async fetchSnapshot(): Promise<ConfigSnapshot<Api>> {
    const version = await this.store.getConfigVersion();
    const [apis, policyDocuments] = await Promise.all([this.store.getAll("apis"), this.store.getAll("policies")]);
    const policies = new Map<string, Policy>();
    for (const [id, raw] of policyDocuments) {
      const parsed = policySchema.safeParse(raw);
      if (parsed.success) policies.set(id, parsed.data);
      else isolateLogger.error("skipping invalid policy", { policy_id: id });
    }
    const snapshot = { version, routes: new RouteTable(this.options.compileApis(apis), this.options.customDomains), policies };
    this.snapshot = snapshot;
    this.checkedAt = Date.now();
    return snapshot;
  }
}
