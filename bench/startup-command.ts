import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker, emptyWorker, readWorkerConfig } from "./bundle";
import { startGateway, startPassthrough } from "./contestants";
import { benchOidcClientId, startOidcIssuer } from "./oidc-issuer";
import { basicSeed, keylessListenPath } from "./seed";
import { measureStartup, type StartupTimes } from "./startup";
import { smallPath, startUpstream } from "./upstream";

export interface StartupOptions {
  repeats: number;
  repoRoot: string;
  /** Registers something to stop when the bench ends, however it ends. */
  track<T extends { stop(): Promise<void> }>(resource: T): T;
  log(message: string): void;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => value.toFixed(1);

function row(name: string, times: StartupTimes): string {
  return `${name.padEnd(24)} start ${ms(times.startMs).padStart(7)} ms  first ${ms(times.firstRequestMs).padStart(7)} ms  second ${ms(times.secondRequestMs).padStart(6)} ms  CPU: start ${ms(times.startCpuMs).padStart(6)} ms, first request ${ms(times.firstRequestCpuMs).padStart(6)} ms`;
}

/**
 * `npm run bench -- --startup [--repeats N]`: only the bundle sizes and the
 * start-up / first-request times (the pass-through and the gateway side by
 * side), without the load scenarios, for iterating on the cold path.
 */
export async function runStartup(options: StartupOptions): Promise<void> {
  if (!Number.isInteger(options.repeats) || options.repeats < 1 || options.repeats > 50) throw new Error("--repeats must be between 1 and 50");
  const config = readWorkerConfig(join(options.repoRoot, "wrangler.toml"));
  const tmp = await mkdtemp(join(tmpdir(), "portcullis-bench-"));
  options.track({ stop: () => rm(tmp, { recursive: true, force: true }) });
  options.log("bundling the gateway and the pass-through with wrangler deploy --dry-run");
  const [gateway, passthrough] = await Promise.all([
    bundleWorker(join(options.repoRoot, "wrangler.toml"), join(tmp, "gateway"), options.repoRoot),
    bundleWorker(join(options.repoRoot, "bench/passthrough/wrangler.toml"), join(tmp, "passthrough"), options.repoRoot, config),
  ]);
  const empty = await emptyWorker(join(tmp, "empty"));
  const upstream = options.track(await startUpstream([]));
  const issuer = options.track(await startOidcIssuer());
  const seed = basicSeed(upstream.origin, { issuer: issuer.origin, clientId: benchOidcClientId });
  options.log(`start-up times, median of ${options.repeats} fresh workerd processes each`);
  const startup = await measureStartup(
    options.repeats,
    () => startPassthrough(passthrough, config, upstream.origin),
    () => startGateway("gateway (start-up)", gateway, config, seed.entries),
    { passthrough: smallPath, gateway: `${keylessListenPath}${smallPath}` },
    () => startGateway("empty Worker with the gateway's bindings", empty, config, seed.entries),
  );
  const parts = gateway.composition
    .slice(0, 8)
    .map((part) => `${part.source} ${kib(part.bytes)}`)
    .join(", ");
  const bindings = startup.emptyWithBindings!;
  const delta = (baseline: StartupTimes, pick: (times: StartupTimes) => number) => ms(pick(startup.gateway) - pick(baseline));
  console.log(
    [
      `bundle: ${kib(gateway.bytes)} raw, ${kib(gateway.gzipBytes)} gzip (${parts})`,
      row("pass-through", startup.passthrough),
      row("gateway", startup.gateway),
      row("empty, gateway bindings", bindings),
      `gateway − pass-through: start ${delta(startup.passthrough, (times) => times.startMs)} ms, first request ${delta(startup.passthrough, (times) => times.firstRequestMs)} ms; CPU: start ${delta(startup.passthrough, (times) => times.startCpuMs)} ms, first request ${delta(startup.passthrough, (times) => times.firstRequestCpuMs)} ms`,
      `gateway − empty Worker with its bindings (the bundle's own cost): start ${delta(bindings, (times) => times.startMs)} ms, CPU: start ${delta(bindings, (times) => times.startCpuMs)} ms, first request ${delta(bindings, (times) => times.firstRequestCpuMs)} ms`,
    ].join("\n"),
  );
}
