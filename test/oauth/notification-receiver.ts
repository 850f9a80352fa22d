import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../support/upstream";

/**
 * A loopback stand-in for the resource owner's app that receives Tyk's OAuth
 * key change notifications: `POST /<inbox>` is recorded (headers and body),
 * `GET /<inbox>` answers what that inbox received so far.
 */
export interface ReceivedNotification {
  secret: string;
  userAgent: string;
  body: Record<string, string>;
}

export async function startNotificationReceiver(): Promise<{ server: Server; url: string }> {
  const inboxes = new Map<string, ReceivedNotification[]>();
  const server = createServer(async (request, response) => {
    const inbox = new URL(request.url ?? "/", "http://receiver").pathname;
    if (request.method === "POST") {
      const received = inboxes.get(inbox) ?? [];
      received.push({
        secret: String(request.headers["x-tyk-shared-secret"] ?? ""),
        userAgent: String(request.headers["user-agent"] ?? ""),
        body: JSON.parse(await readBody(request)) as Record<string, string>,
      });
      inboxes.set(inbox, received);
      response.writeHead(200).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(inboxes.get(inbox) ?? []));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
