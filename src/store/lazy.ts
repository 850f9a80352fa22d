import type { DocumentKind, PutOptions, Store } from "./store";

/**
 * A store whose backend module is loaded on first use: the Upstash client is
 * large and most deployments use Workers KV, so it stays off the cold start of
 * every isolate that does not need it. A failed load is retried on the next call.
 */
export class LazyStore implements Store {
  private backend: Promise<Store> | undefined;

  constructor(private readonly load: () => Promise<Store>) {}

  private store(): Promise<Store> {
    if (!this.backend) {
      const loading = this.load();
      this.backend = loading;
      loading.catch(() => {
        if (this.backend === loading) this.backend = undefined;
      });
    }
    return this.backend;
  }

  async get(kind: DocumentKind, id: string): Promise<unknown | null> {
    return (await this.store()).get(kind, id);
  }

  async getAll(kind: DocumentKind): Promise<Map<string, unknown>> {
    return (await this.store()).getAll(kind);
  }

  async listIds(kind: DocumentKind): Promise<string[]> {
    return (await this.store()).listIds(kind);
  }

  async put(kind: DocumentKind, id: string, document: unknown, options?: PutOptions): Promise<void> {
    return (await this.store()).put(kind, id, document, options);
  }

  async delete(kind: DocumentKind, id: string): Promise<boolean> {
    return (await this.store()).delete(kind, id);
  }

  async getConfigVersion(): Promise<string> {
    return (await this.store()).getConfigVersion();
  }

  async bumpConfigVersion(): Promise<string> {
    return (await this.store()).bumpConfigVersion();
  }

  async ping(): Promise<void> {
    return (await this.store()).ping();
  }
}
