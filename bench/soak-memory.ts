import { readFile } from "node:fs/promises";
import type { Contestant } from "./contestants";
import { gatewayTarget, InspectorSession } from "./profile";

/*
 * Memory of the gateway's workerd process while the soak runs:
 * - its resident set, and the anonymous part of it (what the process
 *   allocated, without the mapped 150 MB binary): everything workerd holds,
 *   the gateway isolate, its Durable Objects and their SQLite, Miniflare's KV
 *   and queue services, the allocator's free lists;
 * - through the V8 inspector, the gateway isolate's heap: in use (live
 *   objects plus garbage not yet collected) at every sample, and live after a
 *   forced full GC at some samples, which is what the isolate really keeps.
 * workerd never answers `HeapProfiler.collectGarbage`, so the GC is forced by
 * taking a heap snapshot (V8 collects garbage first; the snapshot is streamed
 * here and dropped). That stalls the isolate for up to a second, and the
 * first one raises workerd's resident set by a few hundred MB of buffers that
 * later snapshots reuse: compare resident figures from runs with the same
 * `--gc` interval only.
 */

const mib = 1024 * 1024;

export interface MemoryReading {
  rssMiB: number;
  /** RssAnon: the resident memory workerd allocated, without file-backed pages. */
  anonMiB: number;
  /** Heap in use (live plus garbage not yet collected); undefined without the inspector. */
  heapInUseMiB?: number;
  /** Live heap after a forced full GC, at the samples that force one. */
  liveHeapMiB?: number;
  /** ArrayBuffer backing stores (bodies, crypto buffers) still alive after that GC: outside the heap, inside the isolate. */
  liveBuffersMiB?: number;
}

export interface Sample extends MemoryReading {
  atSec: number;
  requests: number;
  phase: "load" | "idle";
}

/** Linux: resident and anonymous resident memory of a process, from /proc/<pid>/status. */
async function resident(pid: number): Promise<{ rssMiB: number; anonMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => {
    const kib = Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]);
    if (!Number.isFinite(kib)) throw new Error(`no ${name} for process ${pid}`);
    return kib / 1024;
  };
  return { rssMiB: field("VmRSS"), anonMiB: field("RssAnon") };
}

export class MemoryProbe {
  private constructor(
    private readonly pid: number,
    private readonly inspector: InspectorSession | undefined,
    readonly inspectorError: string | undefined,
  ) {}

  /** The inspector is optional: without it only the resident set is sampled. */
  static async open(contestant: Contestant, workerName: string): Promise<MemoryProbe> {
    if (contestant.pid === undefined) throw new Error("the workerd process was not found (Linux /proc is needed)");
    try {
      const session = await InspectorSession.open(await gatewayTarget(contestant, workerName));
      await session.send("Runtime.getHeapUsage");
      return new MemoryProbe(contestant.pid, session, undefined);
    } catch (error) {
      return new MemoryProbe(contestant.pid, undefined, String(error));
    }
  }

  /** The resident set is read first, so a forced GC's snapshot never shows in the same reading. */
  async read(collectGarbage: boolean): Promise<MemoryReading> {
    const memory = await resident(this.pid);
    if (!this.inspector) return memory;
    const heapInUseMiB = (await this.inspector.send<{ usedSize: number }>("Runtime.getHeapUsage")).usedSize / mib;
    if (!collectGarbage) return { ...memory, heapInUseMiB };
    await this.inspector.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const live = await this.inspector.send<{ usedSize: number; backingStorageSize?: number }>("Runtime.getHeapUsage");
    return { ...memory, heapInUseMiB, liveHeapMiB: live.usedSize / mib, liveBuffersMiB: (live.backingStorageSize ?? 0) / mib };
  }

  close(): void {
    this.inspector?.close();
  }
}

export interface Point {
  requests: number;
  value: number;
}

export interface Trend {
  /** Least-squares growth in MiB per 10,000 requests. */
  slopePer10k: number;
  first: number;
  last: number;
  min: number;
  max: number;
  points: number;
}

/** Fits value = a + b × requests; undefined with fewer than three points. */
export function trend(points: readonly Point[]): Trend | undefined {
  if (points.length < 3) return undefined;
  const xs = points.map((point) => point.requests / 10_000);
  const ys = points.map((point) => point.value);
  const meanX = xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / ys.length;
  const sxx = xs.reduce((sum, x) => sum + (x - meanX) ** 2, 0);
  const sxy = xs.reduce((sum, x, index) => sum + (x - meanX) * (ys[index]! - meanY), 0);
  return {
    slopePer10k: sxx === 0 ? 0 : sxy / sxx,
    first: ys[0]!,
    last: ys.at(-1)!,
    min: Math.min(...ys),
    max: Math.max(...ys),
    points: points.length,
  };
}
