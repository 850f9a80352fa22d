import type { CountingGateway } from "./contestants";
import type { LoadGenerator, LoadTarget } from "./load";

export interface StoreReads {
  scenario: string;
  requests: number;
  reads: number;
  readsPerRequest: number;
  /** Reads by operation and key; session keys are shown as `apikey-<sha256>`. */
  byKey: Record<string, number>;
  /** Set when the scenario's requests failed, so nothing was measured. */
  failure?: string;
}

export interface StoreReadsResult {
  /** Reads made while the first requests built the isolate's caches (config load, first session). */
  warmUp: Record<string, number>;
  steady: StoreReads[];
}

function readable(counts: Record<string, number>): Record<string, number> {
  const grouped: Record<string, number> = {};
  for (const [key, count] of Object.entries(counts)) {
    const name = key.replace(/apikey-[0-9a-f]{64}/, "apikey-<sha256>");
    grouped[name] = (grouped[name] ?? 0) + count;
  }
  return grouped;
}

/** Twenty requests, so the isolate has loaded its config and the session; the failure, if any. */
async function warm(target: LoadTarget): Promise<string | undefined> {
  for (let index = 0; index < 20; index++) {
    const response = await fetch(target.url, { headers: target.headers });
    await response.arrayBuffer();
    if (!response.ok) return `${target.url} answered ${response.status}`;
  }
  return undefined;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);

/**
 * Steady-state store reads: after a warm-up, each scenario runs at full load
 * for a while and the counting GATEWAY_KV reports what the gateway read.
 * Background reads (the config-version poll every PORTCULLIS_CONFIG_CHECK_SECONDS,
 * a session refresh per TTL) are per time, not per request, and show by key.
 */
export async function measureStoreReads(
  gateway: CountingGateway,
  targets: { scenario: string; target: LoadTarget }[],
  generator: LoadGenerator,
  spec: { connections: number; durationSec: number },
): Promise<StoreReadsResult> {
  const working: typeof targets = [];
  const failed: StoreReads[] = [];
  for (const entry of targets) {
    const failure = await warm(entry.target);
    if (failure) failed.push({ scenario: entry.scenario, requests: 0, reads: 0, readsPerRequest: Number.NaN, byKey: {}, failure });
    else working.push(entry);
  }
  const warmUp = readable(await gateway.takeReadCounts());
  const steady: StoreReads[] = [];
  for (const { scenario, target } of working) {
    const load = await generator.run(target, spec);
    const byKey = readable(await gateway.takeReadCounts());
    const reads = total(byKey);
    steady.push({ scenario, requests: load.requests, reads, readsPerRequest: load.requests > 0 ? reads / load.requests : Number.NaN, byKey });
  }
  steady.push(...failed);
  return { warmUp, steady };
}
