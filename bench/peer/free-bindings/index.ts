/**
 * Bench-only variant of the peer: the same app with its bindings answered from isolate
 * memory (each KV read made once, then kept; a fixed-window counter per key in place of the
 * Rate Limiting binding). Locally Miniflare serves KV and that binding through SQLite-backed
 * objects in the same workerd process, far dearer per call than Cloudflare's per-location
 * caches, so the peer as written is slower here than in production; this variant is its
 * floor, what it would cost if its bindings cost nothing.
 */
import app, { type Env, type KeyStore } from "../index";

/** The peer's Rate Limiting binding, as in wrangler.toml (and bench/contestants.ts). */
const limit = 10_000_000;
const periodMs = 60_000;

function memoisedKeys(kv: KeyStore): KeyStore {
  const records = new Map<string, Promise<unknown>>();
  return {
    get<Record>(key: string, options: { type: "json"; cacheTtl: number }): Promise<Record | null> {
      let record = records.get(key);
      if (!record) {
        record = kv.get<Record>(key, options);
        records.set(key, record);
      }
      return record as Promise<Record | null>;
    },
  };
}

function countingLimiter(): RateLimit {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    async limit({ key }) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || now - window.start >= periodMs) {
        window = { start: now - (now % periodMs), count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      return { success: window.count <= limit };
    },
  };
}

const freeEnvs = new WeakMap<Env, Env>();

function freeBindings(env: Env): Env {
  let free = freeEnvs.get(env);
  if (!free) {
    free = { ...env, KEYS: memoisedKeys(env.KEYS), RATE_LIMITER: countingLimiter() };
    freeEnvs.set(env, free);
  }
  return free;
}

export default {
  fetch(request, env, ctx) {
    return app.fetch(request, freeBindings(env), ctx);
  },
} satisfies ExportedHandler<Env>;
