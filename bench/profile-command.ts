import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker, readWorkerConfig } from "./bundle";
import { fullPlan } from "./compare";
import { startGateway, startPassthrough, type Contestant } from "./contestants";
import { loadGenerator, type LoadTarget } from "./load";
import { captureProfile, summarizeProfile, type ProfileLine } from "./profile";
import { featuresFor, runProbes, scenarios, type MeasuredScenario, type Origins } from "./scenarios";
import { basicSeed, routeTableSeed } from "./seed";
import { freePort } from "./system";
import { smallPath, startUpstream } from "./upstream";

export interface ProfileOptions {
  /** A gateway scenario id, or "pass-through" to profile the baseline Worker for comparison. */
  id: string;
  seconds: number;
  repoRoot: string;
  resultsDir: string;
  /** Registers something to stop when the bench ends, however it ends. */
  track<T extends { stop(): Promise<void> }>(resource: T): T;
  log(message: string): void;
}

const passthroughId = "pass-through";

function profiledScenarios(): MeasuredScenario[] {
  return scenarios.filter((scenario) => scenario.gateway !== "none");
}

function table(lines: ProfileLine[], withModule: boolean): string {
  return lines
    .map(
      (line) =>
        `${line.selfPercent.toFixed(1).padStart(5)}%  ${line.selfUsPerRequest.toFixed(1).padStart(6)} µs/req  ${line.functionName}${withModule ? `  (${line.module})` : ""}`,
    )
    .join("\n");
}

/**
 * `npm run bench -- --profile <scenario> [--seconds N]`: runs one scenario at
 * full load with the V8 inspector on, saves the CPU profile and prints where
 * the Worker's time goes (self time by module and by function).
 */
export async function runProfile(options: ProfileOptions): Promise<void> {
  const scenario = profiledScenarios().find((candidate) => candidate.id === options.id);
  if (!scenario && options.id !== passthroughId) {
    throw new Error(`--profile needs one of: ${[...profiledScenarios().map((s) => s.id), passthroughId].join(", ")}`);
  }
  if (!Number.isFinite(options.seconds) || options.seconds <= 0 || options.seconds > 120) throw new Error("--seconds must be between 1 and 120");
  const notes: string[] = [];
  const config = readWorkerConfig(join(options.repoRoot, "wrangler.toml"));
  const tmp = await mkdtemp(join(tmpdir(), "portcullis-bench-"));
  options.track({ stop: () => rm(tmp, { recursive: true, force: true }) });
  const configPath = scenario ? join(options.repoRoot, "wrangler.toml") : join(options.repoRoot, "bench/passthrough/wrangler.toml");
  const bundle = await bundleWorker(configPath, join(tmp, "worker"), options.repoRoot, scenario ? undefined : config);
  const upstream = options.track(await startUpstream(notes));
  const generators = await loadGenerator(notes);
  const inspectorPort = await freePort();

  let worker: Contestant;
  let target: LoadTarget;
  if (scenario) {
    const basic = basicSeed(upstream.origin);
    const routes = routeTableSeed(upstream.origin);
    worker = options.track(
      await startGateway(
        "gateway (profiled)",
        bundle,
        config,
        scenario.gateway === "route-table" ? routes.entries : basic.entries,
        { inspectorPort },
        featuresFor(scenario.gateway),
      ),
    );
    const origins: Origins = {
      upstream: upstream.origin,
      passthrough: "",
      gateway: worker.origin,
      authKey: basic.authKey,
      limitedKey: basic.limitedKey,
      jwtHs256: basic.jwtHs256,
      jwtRs256: basic.jwtRs256,
      routeTablePath: routes.middlePath,
      pids: {},
    };
    const probeFailure = await runProbes(scenario.probes(origins));
    if (probeFailure) throw new Error(`probe failed: ${probeFailure}`);
    target = scenario.scenario(origins).target;
  } else {
    worker = options.track(await startPassthrough(bundle, config, upstream.origin, { inspectorPort }));
    target = { url: `${worker.origin}${smallPath}` };
  }

  await generators.saturating.run(target, { connections: fullPlan.connections, durationSec: 2 });
  options.log(`profiling ${scenario?.title ?? passthroughId} for ${options.seconds} s (inspector on 127.0.0.1:${inspectorPort})`);
  const workerName = scenario ? "gateway" : "passthrough";
  const { profile, loadResult } = await captureProfile(worker, workerName, () =>
    generators.saturating.run(target, { connections: fullPlan.connections, durationSec: options.seconds }),
  );
  const file = join(options.resultsDir, `profile-${options.id}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  const summary = await summarizeProfile(profile, bundle.scriptPath, loadResult.requests, 25);
  console.log(
    `\n${loadResult.requests} requests (${Math.round(loadResult.rps)} req/s) while profiling.\n\nSelf time by module:\n${table(summary.modules.slice(0, 12), false)}\n\nSelf time by function:\n${table(summary.functions, true)}\n`,
  );
  console.log(`${file} written: open it in Chrome DevTools (Performance → Load profile) or VS Code.${notes.length ? `\n${notes.join("\n")}` : ""}`);
}
