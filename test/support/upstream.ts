import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serveFault } from "./upstream-faults";

/**
 * A real HTTP upstream on loopback for integration tests. It echoes what it
 * received as JSON; `/status/<code>` answers with that status, `/bytes/<n>`
 * streams n bytes, `/respond-headers?name=value` adds each query pair as a
 * response header to the echo. Delays, stalls, drips and dropped connections
 * are in test/support/upstream-faults.ts.
 */
export interface EchoedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startEchoUpstream(port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    if (serveFault(request, response)) return;
    const path = request.url ?? "/";
    const status = /^\/status\/(\d{3})/.exec(path);
    const bytes = /^\/bytes\/(\d+)/.exec(path);
    if (bytes) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(Buffer.alloc(Number(bytes[1]), 97));
      return;
    }
    const echoed: EchoedRequest = { method: request.method ?? "", path, headers: request.headers, body: await readBody(request) };
    const extraHeaders = path.startsWith("/respond-headers") ? Object.fromEntries(new URL(path, "http://upstream").searchParams) : {};
    response.writeHead(status ? Number(status[1]) : 200, {
      ...extraHeaders,
      "content-type": "application/json",
      "x-upstream": "echo",
      connection: "keep-alive",
      "keep-alive": "timeout=5",
    });
    response.end(JSON.stringify(echoed));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}` };
}
