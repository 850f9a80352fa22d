import { pathToFileURL } from "node:url";
import { limitModes } from "../src/ratelimit/config";
import { load, median, type LoadResult } from "./limits.load";
import { startDelayProxy, startRemoteGateway, startRemoteLimiter } from "./limits-remote.setup";
import { benchEdgeRate } from "./contestants";
import { limitsApi, seed, startUpstream } from "./limits.setup";

/*
 * The production round trip of rate limiting, modelled on loopback:
 * `npx tsx bench/limits-remote.ts` (about 1 min 15 s), and a section of a
 * full `npm run bench`. In production a Durable Object lives in one location, so
 * a request limited in exact mode waits for a round trip to wherever its key's
 * object is. Here the RateLimiter objects run in their own workerd process
 * behind a proxy that holds every call for 0, 10 or 50 ms, and the gateway (a
 * second workerd process) reaches them only through it. For each delay and
 * each limit mode: throughput and p50/p99 latency of a keyed API whose key has
 * a rate limit and a quota (never reached, so every request is decided),
 * against the same gateway with a key without limits, interleaved.
 */

export const delaysMs = [0, 10, 50];
const connections = 8;

export interface RemoteLimitsPlan {
  /** Runs of each scenario per delay (the median is reported). */
  rounds: number;
  runSeconds: number;
}

/** Alone: about 1 min 15 s. */
export const standalonePlan: RemoteLimitsPlan = { rounds: 2, runSeconds: 3 };
/** As a section of `npm run bench`: about 40 s. */
export const sectionPlan: RemoteLimitsPlan = { rounds: 1, runSeconds: 2 };

export interface RemoteRow {
  delayMs: number;
  mode: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Throughput relative to the same gateway without limits, measured beside it. */
  relativeToOff: number;
  addedP50Ms: number;
  addedP99Ms: number;
  /** Requests that were neither 200 nor refused by a limit (should be 0). */
  failed: number;
}

export interface RemoteLimitsResult {
  connections: number;
  runSeconds: number;
  rounds: number;
  rows: RemoteRow[];
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export async function measureRemoteLimits(plan: RemoteLimitsPlan, log: (message: string) => void = console.error): Promise<RemoteLimitsResult> {
  const { rounds, runSeconds } = plan;
  const upstream = await startUpstream();
  const limiter = await startRemoteLimiter();
  const proxy = await startDelayProxy(limiter.url);
  const gateway = await startRemoteGateway(proxy.url, {});
  try {
    const apis = [limitsApi("off", upstream.url), ...limitModes.map((mode) => limitsApi(mode, upstream.url, { rate_limit_mode: mode }))];
    const rights = Object.fromEntries(apis.map((api) => [api["api_id"], { api_id: api["api_id"], versions: ["Default"] }]));
    // As the main bench's limited key: a rate limit and a quota, never reached. Edge mode counts only rates it has a
    // binding for, so its key has the bench's edge rate.
    const quota = { quota_max: 1e12, quota_renewal_rate: 3600 };
    await seed({ gateways: [gateway.url], probe: "", dispose: async () => undefined }, apis, {
      "remote-unlimited": { access_rights: rights },
      "remote-limited": { access_rights: rights, rate: 1e6, per: 1, ...quota },
      "remote-edge": { access_rights: rights, rate: benchEdgeRate.limit, per: benchEdgeRate.period, ...quota },
    });
    const keyOf = (mode: string) => (mode === "off" ? "remote-unlimited" : mode === "edge" ? "remote-edge" : "remote-limited");
    const run = (api: string) => load([gateway.url], `/${api}/x`, [{ authorization: keyOf(api) }], connections, runSeconds);
    // Warm up: the gateway loads its config, the objects start, fast mode takes its first lease.
    for (const api of ["off", ...limitModes]) await run(api);

    const rows: RemoteRow[] = [];
    for (const delayMs of delaysMs) {
      proxy.delayMs = delayMs;
      log(`round trip ${delayMs} ms: limits off, ${limitModes.join(", ")} …`);
      const runs = new Map<string, LoadResult[]>([["off", []], ...limitModes.map((mode) => [mode, []] as [string, LoadResult[]])]);
      for (let index = 0; index < rounds; index++) {
        for (const [api, results] of runs) results.push(await run(api));
      }
      const summary = (results: LoadResult[]) => ({
        rps: median(results.map((result) => result.rps)),
        p50Ms: median(results.map((result) => result.p50Ms)),
        p99Ms: median(results.map((result) => result.p99Ms)),
        failed: results.reduce((sum, result) => sum + result.failed, 0),
      });
      const off = summary(runs.get("off")!);
      for (const [mode, results] of runs) {
        const value = summary(results);
        rows.push({
          delayMs,
          mode,
          rps: Math.round(value.rps),
          p50Ms: value.p50Ms,
          p99Ms: value.p99Ms,
          relativeToOff: round(value.rps / off.rps, 3),
          addedP50Ms: round(value.p50Ms - off.p50Ms),
          addedP99Ms: round(value.p99Ms - off.p99Ms),
          failed: value.failed,
        });
      }
    }
    return { connections, runSeconds, rounds, rows };
  } finally {
    await gateway.dispose();
    await proxy.close();
    await limiter.dispose();
    await upstream.close();
  }
}

export function remoteLimitsTable(result: RemoteLimitsResult): string {
  return [
    "| round trip | mode | req/s | × limits off | p50 ms (added) | p99 ms (added) | failed |",
    "|---:|---|---:|---:|---:|---:|---:|",
    ...result.rows.map(
      (row) =>
        `| ${row.delayMs} ms | ${row.mode} | ${row.rps.toLocaleString("en-US")} | ${row.mode === "off" ? "1" : row.relativeToOff.toFixed(3)} | ${row.p50Ms} (${row.mode === "off" ? "–" : `+${row.addedP50Ms}`}) | ${row.p99Ms} (${row.mode === "off" ? "–" : `+${row.addedP99Ms}`}) | ${row.failed} |`,
    ),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await measureRemoteLimits(standalonePlan);
  console.log(remoteLimitsTable(result));
  console.log(JSON.stringify(result));
}
