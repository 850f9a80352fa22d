// `npm start`: the whole gateway on this machine, offline. Creates .dev.vars
// from .dev.vars.example, seeds kv-seed/examples into the local KV that
// `wrangler dev` reads, starts the echo upstream on 127.0.0.1:8788 and runs
// `wrangler dev` on 127.0.0.1:8787 until it exits or you press Ctrl-C, and the
// analytics dashboard on 127.0.0.1:8789 (a second `wrangler dev` of the pump
// alone, reading the same local D1). Extra arguments go to the gateway's
// `wrangler dev` (e.g. `npm start -- --env eu`).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants, copyFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultUpstreamPort, startLocalUpstream } from "./local-upstream.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const gatewayPort = 8787;
const dashboardPort = 8789;
const dashboardVars = "analytics-pump/.dev.vars";
/** Set once Ctrl-C (or the gateway's exit) starts the shutdown, when children exiting is expected. */
let stopping = false;
const devKey = "dev-key-change-me";

function checkNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    console.error(`npm start needs Node.js 22 or newer; this is ${process.version}.`);
    process.exit(1);
  }
}

async function ensureDevVars() {
  try {
    await copyFile(join(root, ".dev.vars.example"), join(root, ".dev.vars"), constants.COPYFILE_EXCL);
    console.log("created .dev.vars from .dev.vars.example (TYK_GW_SECRET=change-me-local-secret); edit it to change local settings");
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
  }
}

/** The pump's local secrets: a random dashboard secret, made once (the file is git-ignored). */
async function ensureDashboardSecret() {
  const secret = randomBytes(18).toString("base64url");
  const contents = `# Local secrets of the analytics pump under npm start (git-ignored).\n# Sign in to the dashboard with this; in production: npx wrangler secret put PUMP_DASHBOARD_SECRET -c analytics-pump/wrangler.toml\nPUMP_DASHBOARD_SECRET=${secret}\n`;
  try {
    await writeFile(join(root, dashboardVars), contents, { flag: "wx" });
    console.log(`created ${dashboardVars} with a random PUMP_DASHBOARD_SECRET for the local dashboard`);
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
  }
}

function wranglerBin() {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("wrangler/package.json");
  return join(dirname(manifestPath), require(manifestPath).bin.wrangler);
}

/** Runs a Node child with our stdio; resolves to its exit code. */
function runNode(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

async function seedExamples() {
  console.log("seeding kv-seed/examples into the local KV (.wrangler/state)…");
  const code = await runNode(["--import", "tsx", "kv-seed/cli.ts", "kv-seed/examples", "--target", "local"]);
  if (code !== 0) {
    console.error("seeding the examples failed; fix the errors above and run npm start again");
    process.exit(code);
  }
}

async function startUpstream() {
  try {
    return await startLocalUpstream(defaultUpstreamPort);
  } catch (error) {
    const reason = error.code === "EADDRINUSE" ? "the port is already in use (is another npm start running?)" : error.message;
    console.error(`cannot start the local upstream on 127.0.0.1:${defaultUpstreamPort}: ${reason}`);
    process.exit(1);
  }
}

function printTryIt() {
  const base = `http://127.0.0.1:${gatewayPort}`;
  console.log(
    [
      "",
      `local upstream: echoing on http://127.0.0.1:${defaultUpstreamPort}`,
      `starting the gateway on ${base}; once wrangler says Ready, try:`,
      `  curl ${base}/hello                  # health check`,
      `  curl ${base}/mock/hello             # mock reply, no upstream`,
      `  curl ${base}/echo/anything          # keyless, proxied to the echo upstream`,
      `  curl ${base}/protected/x            # 401: needs a key`,
      `  curl -H "Authorization: ${devKey}" ${base}/protected/x`,
      `  curl -H "X-Tyk-Authorization: change-me-local-secret" ${base}/tyk/reload`,
      "  npm run analytics                   # per-API hits, errors and latency of the last hour (another terminal)",
      "",
      `analytics dashboard: http://127.0.0.1:${dashboardPort}/dashboard (sign in with PUMP_DASHBOARD_SECRET from ${dashboardVars})`,
      "",
    ].join("\n"),
  );
}

/**
 * The pump alone, for its dashboard: the pump in the gateway's process (below)
 * consumes the queue but only the first Worker of a multi-config `wrangler dev`
 * gets a port. This one shares the persisted D1 and gets no queue messages.
 */
function runDashboard() {
  const args = [
    wranglerBin(),
    "dev",
    "-c",
    "analytics-pump/wrangler.toml",
    "--persist-to",
    ".wrangler/state",
    "--ip",
    "127.0.0.1",
    "--port",
    String(dashboardPort),
    "--inspector-port",
    "9230",
  ];
  const pump = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  pump.on("error", (error) => console.error(`cannot run the dashboard's wrangler dev: ${error.message}`));
  pump.on("exit", (code) => {
    if (code && !stopping) console.error(`the dashboard's wrangler dev exited with ${code}; the gateway keeps running`);
  });
  return pump;
}

function runGateway(upstream, dashboard) {
  // One wrangler dev runs the gateway and the analytics pump together, so the queue
  // between them is real; both share the state kv-seed wrote and `npm run analytics` reads.
  const args = [
    wranglerBin(),
    "dev",
    "-c",
    "wrangler.toml",
    "-c",
    "analytics-pump/wrangler.toml",
    "--persist-to",
    ".wrangler/state",
    "--ip",
    "127.0.0.1",
    "--port",
    String(gatewayPort),
    ...process.argv.slice(2),
  ];
  const wrangler = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
  const forward = (signal) => {
    stopping = true;
    for (const child of [wrangler, dashboard]) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  wrangler.on("error", (error) => {
    console.error(`cannot run wrangler dev: ${error.message}`);
    dashboard.kill("SIGTERM");
    upstream.close();
    process.exit(1);
  });
  wrangler.on("exit", (code, signal) => {
    stopping = true;
    if (dashboard.exitCode === null && dashboard.signalCode === null) dashboard.kill("SIGTERM");
    upstream.closeAllConnections();
    upstream.close(() => process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1)));
  });
}

checkNode();
await ensureDevVars();
await ensureDashboardSecret();
await seedExamples();
const upstream = await startUpstream();
printTryIt();
runGateway(upstream, runDashboard());
