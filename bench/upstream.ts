import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { findExecutable, freePort, waitForHttp } from "./system";

/** The paths every upstream serves; the 1 MB body is random so nothing on the way can compress it. */
export const smallPath = "/small";
export const largePath = "/1mb";
export const smallBody = JSON.stringify({ ok: true, service: "portcullis-bench-upstream", padding: "x".repeat(48) });
export const largeBodyBytes = 1024 * 1024;

export interface Upstream {
  /** e.g. "nginx/1.22.1" or "node v24.1.0 http". */
  description: string;
  origin: string;
  /** The server's own process when it has one (nginx), for CPU time per request. */
  pid: number | undefined;
  stop(): Promise<void>;
}

function nginxConfig(prefix: string, port: number): string {
  return `daemon off;
master_process off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${prefix}/www;
    # error_page answers a POST (the body transform scenario) with the file, as a GET; nginx refuses it with 405 otherwise.
    location = ${smallPath} { default_type application/json; error_page 405 =200 $uri; }
    location = ${largePath} { default_type application/octet-stream; }
  }
}
`;
}

async function nginxVersion(binary: string): Promise<string> {
  const child = spawn(binary, ["-v"], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => child.on("close", resolve));
  return output.replace(/^nginx version:\s*/, "").trim() || "nginx";
}

async function startNginx(binary: string): Promise<Upstream> {
  const prefix = await mkdtemp(join(tmpdir(), "portcullis-bench-nginx-"));
  // Readable by whatever user nginx may switch to.
  await chmod(prefix, 0o755);
  await mkdir(join(prefix, "www"));
  await mkdir(join(prefix, "tmp"));
  await writeFile(join(prefix, "www", smallPath.slice(1)), smallBody);
  await writeFile(join(prefix, "www", largePath.slice(1)), randomBytes(largeBodyBytes));
  const port = await freePort();
  await writeFile(join(prefix, "nginx.conf"), nginxConfig(prefix, port));

  const child: ChildProcess = spawn(binary, ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${origin}${smallPath}`, 5_000, () => child.exitCode !== null);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(prefix, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${stderr.trim() || String(error)}`);
  }
  return {
    description: `${await nginxVersion(binary)} (1 process, static files)`,
    origin,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

/** Runs on its own thread so it never shares an event loop with the orchestrator or autocannon. */
const nodeServerSource = `
const { createServer } = require("node:http");
const { randomBytes } = require("node:crypto");
const { parentPort, workerData } = require("node:worker_threads");
const small = Buffer.from(workerData.smallBody);
const large = randomBytes(workerData.largeBodyBytes);
const server = createServer({ keepAliveTimeout: 120000 }, (request, response) => {
  const body = request.url === workerData.largePath ? large : request.url === workerData.smallPath ? small : null;
  if (!body) { response.writeHead(404, { "content-length": "0" }).end(); return; }
  const type = body === large ? "application/octet-stream" : "application/json";
  response.writeHead(200, { "content-type": type, "content-length": String(body.length) }).end(body);
});
server.keepAliveTimeout = 120000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => server.close(() => process.exit(0)));
`;

async function startNodeUpstream(): Promise<Upstream> {
  const worker = new Worker(nodeServerSource, {
    eval: true,
    workerData: { smallBody, largeBodyBytes, smallPath, largePath },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    description: `node ${process.version} http (worker thread)`,
    origin: `http://127.0.0.1:${port}`,
    pid: undefined,
    async stop() {
      worker.postMessage("stop");
      await Promise.race([new Promise((resolve) => worker.once("exit", resolve)), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await worker.terminate();
    },
  };
}

/**
 * nginx when it is on PATH (Debian: `apt-get install nginx-light`), else a
 * minimal Node server. The bench never installs anything itself.
 */
export async function startUpstream(notes: string[]): Promise<Upstream> {
  const nginx = await findExecutable("nginx");
  if (nginx) {
    try {
      return await startNginx(nginx);
    } catch (error) {
      notes.push(`nginx found at ${nginx} but failed to start (${String(error)}); using the Node upstream.`);
    }
  } else {
    notes.push("nginx is not on PATH (Debian: apt-get install nginx-light, which puts it in /usr/sbin); the upstream is a Node http server instead.");
  }
  return startNodeUpstream();
}
