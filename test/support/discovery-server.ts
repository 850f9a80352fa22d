import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback service discovery endpoint (a Consul / etcd stand-in) for the
 * service discovery tests, one answer per name:
 * - `PUT /<name>` with `{"body": <JSON value or raw string>, "status"?: 200, "delayMs"?: 0}`
 *   sets what `GET /<name>` answers (a string body is sent verbatim, anything else as JSON);
 *   `{"drop": true}` makes it close the connection without answering;
 * - `GET /<name>` answers it after `delayMs` and counts the hit (404 for a name never set);
 * - `GET /<name>/hits` answers `{"count": n}`.
 */
export interface DiscoveryAnswer {
  body?: unknown;
  status?: number;
  delayMs?: number;
  drop?: boolean;
}

interface Service {
  answer: DiscoveryAnswer;
  hits: number;
}

export async function startDiscoveryServer(): Promise<{ server: Server; url: string }> {
  const services = new Map<string, Service>();
  const server = createServer(async (request, response) => {
    const match = /^\/([\w-]+)(\/hits)?$/.exec(request.url ?? "");
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, name = "", hits] = match;
    const service = services.get(name);
    if (request.method === "PUT") {
      const answer = JSON.parse(await readBody(request)) as DiscoveryAnswer;
      services.set(name, { answer, hits: service?.hits ?? 0 });
      response.writeHead(204).end();
      return;
    }
    if (hits) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: service?.hits ?? 0 }));
      return;
    }
    if (!service) {
      response.writeHead(404).end();
      return;
    }
    service.hits += 1;
    const { body, status = 200, delayMs = 0, drop = false } = service.answer;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (drop) {
      request.socket.destroy();
      return;
    }
    response.writeHead(status, { "content-type": "application/json" });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}
