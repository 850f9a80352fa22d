import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback JWKS endpoint for the JWT tests, one key set per name:
 * `GET /<name>/jwks.json` serves the set with the stored Cache-Control and
 * counts the fetch; `PUT /<name>/jwks.json` with `{"keys": [...], "cacheControl": "..."}`
 * replaces it (key rotation); `GET /<name>/fetches` answers `{"count": n}`.
 */
interface KeySet {
  body: string;
  cacheControl: string;
  fetches: number;
}

export async function startJwksServer(): Promise<{ server: Server; url: string }> {
  const sets = new Map<string, KeySet>();
  const server = createServer(async (request, response) => {
    const match = /^\/([\w-]+)\/(jwks\.json|fetches)$/.exec(request.url ?? "");
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, name = "", resource] = match;
    if (resource === "jwks.json" && request.method === "PUT") {
      const { keys, cacheControl } = JSON.parse(await readBody(request)) as { keys: unknown[]; cacheControl?: string };
      sets.set(name, { body: JSON.stringify({ keys }), cacheControl: cacheControl ?? "", fetches: sets.get(name)?.fetches ?? 0 });
      response.writeHead(204).end();
      return;
    }
    const set = sets.get(name);
    if (resource === "fetches") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: set?.fetches ?? 0 }));
      return;
    }
    if (!set) {
      response.writeHead(404).end();
      return;
    }
    set.fetches += 1;
    response.writeHead(200, { "content-type": "application/json", ...(set.cacheControl ? { "cache-control": set.cacheControl } : {}) });
    response.end(set.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}
