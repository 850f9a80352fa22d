import { readFile } from "node:fs/promises";
import { bundledModules, packageOf } from "./bundle";
import type { Contestant } from "./contestants";

/** The parts of a V8 CPU profile (Profiler.stop) the summary needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

interface InspectorTarget {
  title?: string;
  url?: string;
  webSocketDebuggerUrl?: string;
}

/** A minimal Chrome DevTools protocol session over the inspector WebSocket. */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
    });
  }

  static open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(new InspectorSession(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
  }

  close(): void {
    this.socket.close();
  }
}

export async function gatewayTarget(contestant: Contestant, workerName: string): Promise<string> {
  const inspector = await contestant.miniflare.getInspectorURL();
  const targets = (await (await fetch(`http://${inspector.host}/json`)).json()) as InspectorTarget[];
  const target = targets.find((candidate) => `${candidate.title ?? ""} ${candidate.url ?? ""}`.includes(workerName)) ?? targets[0];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target for ${workerName}: ${JSON.stringify(targets)}`);
  return target.webSocketDebuggerUrl;
}

/** Profiles the Worker while `load` runs; sampling every 100 µs. */
export async function captureProfile<T>(contestant: Contestant, workerName: string, load: () => Promise<T>): Promise<{ profile: CpuProfile; loadResult: T }> {
  const session = await InspectorSession.open(await gatewayTarget(contestant, workerName));
  try {
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 100 });
    await session.send("Profiler.start");
    const loadResult = await load();
    const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
    return { profile, loadResult };
  } finally {
    session.close();
  }
}

function moduleAt(starts: { line: number; path: string }[], line: number): string {
  let found = "";
  for (const start of starts) {
    if (start.line > line) break;
    found = start.path;
  }
  return found;
}

export interface ProfileLine {
  selfPercent: number;
  selfMs: number;
  /** Self time divided by the requests served while profiling. */
  selfUsPerRequest: number;
  functionName: string;
  module: string;
}

/** Self time per function, attributed to the source module it was bundled from. */
export async function summarizeProfile(
  profile: CpuProfile,
  bundlePath: string,
  requests: number,
  top: number,
): Promise<{ functions: ProfileLine[]; modules: ProfileLine[] }> {
  const starts = bundledModules(await readFile(bundlePath, "utf8"));
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (const [index, nodeId] of samples.entries()) selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (deltas[index + 1] ?? deltas[index] ?? 0));
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0) || 1;

  const functions = new Map<string, ProfileLine>();
  const modules = new Map<string, ProfileLine>();
  for (const [nodeId, us] of selfUs) {
    const frame = byNode.get(nodeId)?.callFrame;
    if (!frame) continue;
    const module = frame.url ? moduleAt(starts, frame.lineNumber) || frame.url : "(native)";
    const name = frame.functionName || "(anonymous)";
    // Packages as a whole, the gateway's own code file by file.
    const group = module.startsWith("node_modules/") ? packageOf(module) : module;
    for (const [map, key, label] of [
      [functions, `${name} ${module}:${frame.lineNumber + 1}`, name],
      [modules, group, group],
    ] as const) {
      const line = map.get(key) ?? { selfPercent: 0, selfMs: 0, selfUsPerRequest: 0, functionName: label, module };
      line.selfMs += us / 1000;
      line.selfUsPerRequest += requests > 0 ? us / requests : Number.NaN;
      line.selfPercent += (100 * us) / totalUs;
      map.set(key, line);
    }
  }
  const sorted = (map: Map<string, ProfileLine>) => [...map.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  return { functions: sorted(functions), modules: sorted(modules) };
}
