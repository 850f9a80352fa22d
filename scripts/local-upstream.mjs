// A loopback echo server for local development: `npm start` runs it on
// 127.0.0.1:8788, where the example APIs in kv-seed/examples point. It answers
// every request with what it received, as JSON, so you can see what the
// gateway sent upstream (path after strip_listen_path, injected headers, body).
// Run it alone with `node scripts/local-upstream.mjs [port]`.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

export const defaultUpstreamPort = 8788;

const maxEchoedBodyBytes = 1024 * 1024;

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    request.on("data", (chunk) => {
      size += chunk.length;
      if (size <= maxEchoedBodyBytes) chunks.push(chunk);
    });
    request.on("end", () => resolve({ text: Buffer.concat(chunks).toString("utf8"), truncated: size > maxEchoedBodyBytes }));
    request.on("error", reject);
  });
}

/** Starts the echo server on loopback; resolves to the server once it listens. */
export function startLocalUpstream(port = defaultUpstreamPort) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://upstream.local");
    const body = await readBody(request);
    const echoed = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: body.text,
      ...(body.truncated ? { body_truncated: true } : {}),
    };
    response.writeHead(200, { "content-type": "application/json", "x-upstream": "portcullis-local-echo" });
    response.end(`${JSON.stringify(echoed, null, 2)}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const port = Number(process.argv[2] ?? defaultUpstreamPort);
  const server = await startLocalUpstream(port);
  console.log(`local upstream: echoing requests on http://127.0.0.1:${port}`);
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
