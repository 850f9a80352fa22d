import autocannon from "autocannon";
import { spawn } from "node:child_process";
import type { EventEmitter } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findExecutable, percentile } from "./system";

export interface LoadTarget {
  url: string;
  headers?: Record<string, string>;
  /** GET unless set; a body is sent with every request. */
  method?: string;
  body?: string;
}

export interface LoadSpec {
  connections: number;
  durationSec: number;
  /** Requests per second across all connections; omitted means as fast as possible (closed loop). */
  rate?: number;
  /** Runs the load generator at this nice value (wrk only: autocannon shares the bench's own process). */
  nice?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  bytesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors, timeouts and non-2xx/3xx answers; a run with failures is not a valid measurement. */
  failed: number;
  /** CPU the server process used per request during the run, in µs (Linux, when its process is known). */
  cpuUsPerRequest?: number;
}

export interface LoadGenerator {
  name: string;
  run(target: LoadTarget, spec: LoadSpec): Promise<LoadResult>;
}

/**
 * Connections for a paced run: enough that each one sends about every 20 ms,
 * so wrk's whole-millisecond delay() keeps the rate within a few percent.
 */
export function pacedConnections(rate: number): number {
  return Math.min(64, Math.max(2, Math.ceil(rate / 50)));
}

/** Mean pause after each answer, per connection; the 1 ms taken off stands for the answer's own latency. */
function pacingDelayMs(rate: number, connections: number): number {
  return Math.max(1, Math.round((connections * 1000) / rate - 1));
}

const resultMarker = "BENCH_RESULT";

/** The request's method and body, for wrk's Lua script (a long bracket string holds any JSON body). */
function wrkRequest(target: LoadTarget): string {
  const lines = target.method ? [`wrk.method = "${target.method}"`] : [];
  if (target.body !== undefined) lines.push(`wrk.body = [==[${target.body}]==]`);
  return lines.map((line) => `${line}\n`).join("");
}

function wrkScript(spec: LoadSpec, connections: number): string {
  // delay() runs before each request on a connection (wrk2, which paces properly, is
  // not in Debian). A fixed pause would keep the connections in lockstep, so requests
  // would arrive in bursts and queue behind each other; exponentially distributed
  // pauses spread them out like independent clients (close to Poisson arrivals).
  const pacing = spec.rate
    ? `math.randomseed(${Math.floor(Math.random() * 2 ** 31)})
local meanDelayMs = ${pacingDelayMs(spec.rate, connections)}
function delay() return math.floor(-meanDelayMs * math.log(1 - math.random()) + 0.5) end
`
    : "";
  return `${pacing}function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("${resultMarker} %d %d %d %d %.0f %.0f\\n", summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

function parseWrk(output: string): LoadResult {
  const line = output.split("\n").find((candidate) => candidate.startsWith(resultMarker));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  const [requests, durationUs, bytes, failed, p50Us, p99Us] = line.slice(resultMarker.length).trim().split(/\s+/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const seconds = durationUs / 1e6;
  return { requests, rps: requests / seconds, bytesPerSec: bytes / seconds, p50Ms: p50Us / 1000, p99Ms: p99Us / 1000, failed };
}

function wrkGenerator(binary: string): LoadGenerator {
  return {
    name: "wrk",
    async run(target, spec) {
      const connections = spec.rate ? pacedConnections(spec.rate) : spec.connections;
      const dir = await mkdtemp(join(tmpdir(), "portcullis-bench-wrk-"));
      try {
        const script = join(dir, "bench.lua");
        await writeFile(script, wrkRequest(target) + wrkScript(spec, connections));
        const args = ["-t1", `-c${connections}`, `-d${spec.durationSec}s`, "--timeout", "10s", "-s", script];
        for (const [name, value] of Object.entries(target.headers ?? {})) args.push("-H", `${name}: ${value}`);
        args.push(target.url);
        const output = await new Promise<string>((resolve, reject) => {
          const command = spec.nice === undefined ? [binary, ...args] : ["nice", "-n", String(spec.nice), binary, ...args];
          const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
          let text = "";
          child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
          child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
          child.once("error", reject);
          child.once("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}:\n${text}`))));
        });
        return parseWrk(output);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** autocannon through its programmatic API; latencies are collected per response for sub-millisecond percentiles. */
const autocannonGenerator: LoadGenerator = {
  name: "autocannon",
  run(target, spec) {
    const latencies: number[] = [];
    return new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url: target.url,
          headers: target.headers,
          method: target.method as autocannon.Request["method"],
          body: target.body,
          connections: spec.rate ? pacedConnections(spec.rate) : spec.connections,
          duration: spec.durationSec,
          overallRate: spec.rate,
          timeout: 10,
        },
        (error, result) => {
          if (error) return reject(error);
          const seconds = (result.duration as number) || spec.durationSec;
          resolve({
            requests: result.requests.total,
            rps: result.requests.total / seconds,
            bytesPerSec: result.throughput.total / seconds,
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
            failed: result.errors + result.timeouts + result.non2xx,
          });
        },
      );
      // The last argument is the response time in ms (fractional), whatever comes before it.
      (instance as unknown as EventEmitter).on("response", (...args: unknown[]) => {
        const responseTime = args[args.length - 1];
        if (typeof responseTime === "number") latencies.push(responseTime);
      });
    });
  },
};

export async function loadGenerator(notes: string[]): Promise<{ saturating: LoadGenerator; paced: LoadGenerator }> {
  const wrk = await findExecutable("wrk");
  if (wrk) {
    const generator = wrkGenerator(wrk);
    return { saturating: generator, paced: generator };
  }
  notes.push("wrk is not on PATH (Debian: apt-get install wrk); load comes from autocannon in the bench's Node process.");
  return { saturating: autocannonGenerator, paced: autocannonGenerator };
}
