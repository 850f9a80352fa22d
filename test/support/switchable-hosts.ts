import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Loopback upstreams for uptime tests, each on its own port (a host, as load
 * balancing and uptime tests see it). A host that is `up` answers 200 with
 * `x-switchable-host: <name>`; one that is `down` answers 500 to everything.
 * `POST /__control?state=up|down` switches a host; the control path answers
 * whatever the state.
 */
export const hostStates = ["up", "down"] as const;
export type HostState = (typeof hostStates)[number];

const isState = (value: string | null): value is HostState => hostStates.includes(value as HostState);

function startHost(name: string): Promise<Server> {
  let state: HostState = "up";
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://host");
    if (url.pathname === "/__control") {
      const wanted = url.searchParams.get("state");
      if (request.method === "POST" && isState(wanted)) state = wanted;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ name, state }));
      return;
    }
    response.writeHead(state === "up" ? 200 : 500, { "content-type": "application/json", "x-switchable-host": name });
    response.end(JSON.stringify({ name, state, path: url.pathname }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Starts `count` hosts named h1, h2, ...; returns their base URLs in order. */
export async function startSwitchableHosts(count = 3): Promise<{ servers: Server[]; urls: string[] }> {
  const servers = await Promise.all(Array.from({ length: count }, (_, index) => startHost(`h${index + 1}`)));
  const urls = servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { servers, urls };
}
