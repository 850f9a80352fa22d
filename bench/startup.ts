import type { Contestant } from "./contestants";
import { cpuTimeNs, median } from "./system";

export interface StartupTimes {
  /** `new Miniflare()` until the Worker's socket is up: workerd start, module compile and top-level evaluation. */
  startMs: number;
  /** The first request on the fresh instance (the gateway builds itself and loads its config from the store here). */
  firstRequestMs: number;
  /** The next request, for comparison: the warm path. */
  secondRequestMs: number;
  /**
   * CPU time of the workerd process (all threads) until its socket was up,
   * and during the first request: steadier than wall time on a busy machine.
   * NaN where /proc is not available.
   */
  startCpuMs: number;
  firstRequestCpuMs: number;
}

export interface StartupResult {
  repeats: number;
  passthrough: StartupTimes;
  gateway: StartupTimes;
  /**
   * An empty Worker with the gateway's bindings: Miniflare starts services of
   * its own for them (KV, Durable Objects), which production does not, so
   * gateway − this is what the gateway's bundle itself costs.
   */
  emptyWithBindings?: StartupTimes;
}

async function timedRequest(url: string): Promise<number> {
  const startedAt = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status} during the start-up measurement`);
  return performance.now() - startedAt;
}

async function measureOnce(start: () => Promise<Contestant>, path: string): Promise<StartupTimes> {
  const contestant = await start();
  const cpuMs = async () => ((contestant.pid === undefined ? undefined : await cpuTimeNs(contestant.pid)) ?? Number.NaN) / 1e6;
  try {
    const startCpuMs = await cpuMs();
    const firstRequestMs = await timedRequest(contestant.origin + path);
    const firstRequestCpuMs = (await cpuMs()) - startCpuMs;
    const secondRequestMs = await timedRequest(contestant.origin + path);
    return { startMs: contestant.startMs, firstRequestMs, secondRequestMs, startCpuMs, firstRequestCpuMs };
  } finally {
    await contestant.stop();
  }
}

function medianTimes(samples: StartupTimes[]): StartupTimes {
  return {
    startMs: median(samples.map((sample) => sample.startMs)),
    firstRequestMs: median(samples.map((sample) => sample.firstRequestMs)),
    secondRequestMs: median(samples.map((sample) => sample.secondRequestMs)),
    startCpuMs: median(samples.map((sample) => sample.startCpuMs)),
    firstRequestCpuMs: median(samples.map((sample) => sample.firstRequestCpuMs)),
  };
}

/**
 * Fresh workerd processes, alternately pass-through and gateway. workerd
 * compiles and evaluates a Worker's module before it opens the socket, so the
 * start figure includes module evaluation; the gateway − pass-through
 * difference is what the gateway adds (its bundle, and the services Miniflare
starts for its bindings: `startEmptyWithBindings` measures those alone). The first request shows the
 * lazy per-isolate set-up (config parse, config load from the store).
 */
export async function measureStartup(
  repeats: number,
  startPassthrough: () => Promise<Contestant>,
  startGateway: () => Promise<Contestant>,
  paths: { passthrough: string; gateway: string },
  startEmptyWithBindings?: () => Promise<Contestant>,
): Promise<StartupResult> {
  const passthrough: StartupTimes[] = [];
  const gateway: StartupTimes[] = [];
  const empty: StartupTimes[] = [];
  for (let index = 0; index < repeats; index++) {
    passthrough.push(await measureOnce(startPassthrough, paths.passthrough));
    gateway.push(await measureOnce(startGateway, paths.gateway));
    if (startEmptyWithBindings) empty.push(await measureOnce(startEmptyWithBindings, paths.gateway));
  }
  const emptyWithBindings = empty.length > 0 ? medianTimes(empty) : undefined;
  return { repeats, passthrough: medianTimes(passthrough), gateway: medianTimes(gateway), emptyWithBindings };
}
