import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Loopback HTTP hook that lets tests running inside workerd stop and restart
 * the real database servers: `POST /<service>/stop`, `POST /<service>/start`.
 */
export async function startServiceControl(services: Record<string, Service>): Promise<{ url: string; server: Server }> {
  const server = createServer(async (request, response) => {
    const [, name = "", action = ""] = (request.url ?? "").split("/");
    const service = services[name];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "POST" || !service || (action !== "stop" && action !== "start")) {
      reply(404, { error: `use POST /<${Object.keys(services).join("|")}>/<stop|start>` });
      return;
    }
    try {
      await service[action]();
      reply(200, { [name]: action });
    } catch (error) {
      reply(500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
