import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback upstream that counts the requests it serves, for the response
 * cache tests. Every answer carries `serial` (one more than the previous
 * answer's), so two equal serials mean the second came from a cache.
 * `/status/<code>/…` answers with that status; each `h-<name>=<value>` query
 * pair becomes a response header; `delay=<ms>` waits that long before answering. `GET /__count?url=<path and query>` tells
 * how often that URL was requested.
 */
export interface CountedAnswer {
  serial: number;
  method: string;
  url: string;
  body: string;
}

export async function startCountingUpstream(): Promise<{ server: Server; url: string }> {
  const counts = new Map<string, number>();
  let serial = 0;
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://upstream");
    if (url.pathname === "/__count") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ count: counts.get(url.searchParams.get("url") ?? "") ?? 0 }));
      return;
    }
    const key = url.pathname + url.search;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const headers: Record<string, string> = { "content-type": "application/json" };
    for (const [name, value] of url.searchParams) if (name.startsWith("h-")) headers[name.slice(2)] = value;
    const delayMs = Math.min(Number(url.searchParams.get("delay") ?? 0) || 0, 1000);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const status = /^\/status\/(\d{3})/.exec(url.pathname);
    const answer: CountedAnswer = { serial: ++serial, method: request.method ?? "", url: key, body: await readBody(request) };
    response.writeHead(status ? Number(status[1]) : 200, headers);
    response.end(request.method === "HEAD" ? undefined : JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
