import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RedisServer } from "./redis-server";

/**
 * Loopback HTTP hook that lets tests running inside workerd stop and restart
 * the real redis-server: `POST /redis/stop`, `POST /redis/start`.
 */
export async function startRedisControl(redis: RedisServer): Promise<{ url: string; server: Server }> {
  const actions: Record<string, () => Promise<void>> = {
    "/redis/stop": () => redis.stop(),
    "/redis/start": () => redis.start(),
  };
  const server = createServer(async (request, response) => {
    const action = request.method === "POST" ? actions[request.url ?? ""] : undefined;
    if (!action) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "use POST /redis/stop or POST /redis/start" }));
      return;
    }
    try {
      await action();
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ running: redis.running }));
    } catch (error) {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
