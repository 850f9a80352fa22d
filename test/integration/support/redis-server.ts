import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RespConnection, StatusReply } from "../../support/resp-client";

const startTimeoutMs = 10_000;
const stopTimeoutMs = 5_000;

/** A throwaway redis-server on loopback: no persistence, its own temp dir. */
export interface RedisServer {
  port: number;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

function assertInstalled(): void {
  const probe = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "The integration suite needs a real redis-server on PATH. Install it with `apt-get install -y redis-server` (Debian/Ubuntu) and run `npm run test:integration` again.",
    );
  }
}

async function answersPing(port: number): Promise<boolean> {
  const connection = await RespConnection.open(port).catch(() => undefined);
  if (!connection) return false;
  try {
    const [reply] = await connection.send([["PING"]]);
    return reply instanceof StatusReply && reply.value === "PONG";
  } catch {
    return false;
  } finally {
    connection.close();
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startRedisServer(port: number): Promise<RedisServer> {
  assertInstalled();
  const dir = await mkdtemp(join(tmpdir(), "portcullis-redis-"));
  let child: ChildProcess | undefined;
  // If vitest dies without running teardown, the server must not outlive it.
  const killOnExit = () => child?.kill("SIGKILL");
  process.once("exit", killOnExit);

  async function start(): Promise<void> {
    if (child) return;
    const args = ["--save", "", "--appendonly", "no", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
    const spawned = spawn("redis-server", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    spawned.stdout?.on("data", collect);
    spawned.stderr?.on("data", collect);
    child = spawned;
    const deadline = Date.now() + startTimeoutMs;
    while (!(await answersPing(port))) {
      if (spawned.exitCode !== null || Date.now() > deadline) {
        spawned.kill("SIGKILL");
        child = undefined;
        throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`);
      }
      await sleep(50);
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    child = undefined;
    running.kill("SIGTERM");
    const forceKill = setTimeout(() => running.kill("SIGKILL"), stopTimeoutMs);
    await exited(running);
    clearTimeout(forceKill);
  }

  await start();
  return {
    port,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    async dispose() {
      process.off("exit", killOnExit);
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
