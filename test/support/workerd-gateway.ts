import { connect } from "node:net";
import { Miniflare } from "miniflare";
import { bundleGateway, compatibilityDate } from "./gateway-bundle";

/*
 * The gateway Worker in a real workerd (through Miniflare's API), reachable on
 * loopback sockets, for Node tests that need what a client puts on the wire:
 * raw header bytes, hop-by-hop headers, a forged CF-Connecting-IP.
 */

export const workerdSecret = "workerd-gateway-secret";

export interface WorkerdGateways {
  miniflare: Miniflare;
  /** Miniflare's own entry socket (as under wrangler dev): it gives the first gateway a simulated `request.cf`. */
  entry: string;
  /** Each gateway's own socket, as a bare workerd serves it: no `request.cf`. */
  direct: Record<string, string>;
}

/** One gateway per entry of `vars` (its name and extra vars), all sharing one KV namespace. */
export async function startGateways(vars: Record<string, Record<string, string>>, logs: string[]): Promise<WorkerdGateways> {
  const [script, date] = await Promise.all([bundleGateway(), compatibilityDate()]);
  const text = (value: string) => ({ type: "text" as const, value });
  const workers = Object.entries(vars).map(([name, extra]) => ({
    config: {
      name,
      compatibilityDate: date,
      manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm" as const, contents: script } } },
      env: {
        TYK_GW_SECRET: text(workerdSecret),
        TYK_GW_STORAGE_TYPE: text("kv"),
        PORTCULLIS_CONFIG_CHECK_SECONDS: text("0"),
        GATEWAY_KV: { type: "kv" as const, id: "workerd-gateway-kv" },
        ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [key, text(value)])),
      },
    },
    dev: { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] },
  }));
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    logRequests: false,
    telemetry: { enabled: false },
    enableDevRegistry: false,
    handleStructuredLogs: (log) => void logs.push(`${log.level}: ${log.message}`),
    workers,
  });
  const entry = (await miniflare.ready).origin;
  const direct: Record<string, string> = {};
  for (const name of Object.keys(vars)) direct[name] = (await miniflare.unsafeGetDirectURL(name)).origin;
  return { miniflare, entry, direct };
}

/** Stores the definitions through the Gateway API and reloads every gateway. */
export async function putApis(gateways: WorkerdGateways, definitions: Record<string, unknown>[]): Promise<void> {
  const headers = { "x-tyk-authorization": workerdSecret, "content-type": "application/json" };
  const [first, ...rest] = Object.values(gateways.direct);
  for (const definition of definitions) {
    const saved = await fetch(`${first}/tyk/apis`, { method: "POST", headers, body: JSON.stringify(definition) });
    if (saved.status !== 200) throw new Error(`saving ${String(definition.api_id)} failed: ${saved.status} ${await saved.text()}`);
  }
  for (const origin of [first!, ...rest]) {
    const reloaded = await fetch(`${origin}/tyk/reload`, { headers });
    if (reloaded.status !== 200) throw new Error(`reload failed: ${reloaded.status}`);
    await reloaded.body?.cancel();
  }
}

export interface RawResponse {
  status: number;
  body: string;
}

/**
 * Sends one HTTP/1.1 request written byte for byte (`Connection: close` is up
 * to the caller) and reads the answer until the server closes, at most 2 s.
 */
export function rawRequest(origin: string, head: string, extra: Buffer = Buffer.alloc(0)): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(Buffer.concat([Buffer.from(head, "latin1"), extra])));
    const timer = setTimeout(() => socket.destroy(new Error("no complete answer within 2 s")), 2_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const headEnd = bytes.indexOf("\r\n\r\n");
      const head = bytes.subarray(0, headEnd).toString("latin1");
      const body = bytes.subarray(headEnd + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, body: (/^transfer-encoding: chunked/im.test(head) ? dechunk(body) : body).toString("utf8") });
    });
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
