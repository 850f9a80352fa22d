import { WorkerEntrypoint } from "cloudflare:workers";

/**
 * Bench only: stands in for GATEWAY_KV and forwards every call to a real
 * Miniflare KV namespace, counting reads by key so the bench can report store
 * reads per request without touching the gateway's code.
 */
interface Env {
  KV: KVNamespace;
}

/**
 * KV's read methods take a type name ("json") or an options object; the
 * stand-in forwards whichever it gets, untouched (typed here as the options form).
 */
type GetArgument = Partial<KVNamespaceGetOptions<undefined>>;

const reads = new Map<string, number>();

function count(operation: string, key: string): void {
  const name = `${operation} ${key}`;
  reads.set(name, (reads.get(name) ?? 0) + 1);
}

export class CountingKv extends WorkerEntrypoint<Env> {
  get(key: string, typeOrOptions?: GetArgument): Promise<unknown> {
    count("get", key);
    return this.env.KV.get(key, typeOrOptions);
  }

  getWithMetadata(key: string, typeOrOptions?: GetArgument): Promise<unknown> {
    count("getWithMetadata", key);
    return this.env.KV.getWithMetadata(key, typeOrOptions);
  }

  list(options?: KVNamespaceListOptions): Promise<KVNamespaceListResult<unknown>> {
    count("list", options?.prefix ?? "");
    return this.env.KV.list(options);
  }

  put(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
    return this.env.KV.put(key, value, options);
  }

  delete(key: string): Promise<void> {
    return this.env.KV.delete(key);
  }
}

/** GET returns the read counts so far and starts counting afresh. */
export default {
  fetch(): Response {
    const snapshot = Object.fromEntries(reads);
    reads.clear();
    return Response.json(snapshot);
  },
} satisfies ExportedHandler<Env>;
