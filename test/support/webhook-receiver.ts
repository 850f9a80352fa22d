import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback webhook target for the event tests. Any request to
 * `/hooks/<inbox>` is recorded (method, headers, body) and answered 200,
 * unless the inbox was told to fail: `POST /control/<inbox>/fail?times=N`
 * makes its next N calls answer 500 (they are recorded too).
 * `GET /control/<inbox>` lists what the inbox received.
 */
export interface ReceivedWebhook {
  method: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

export async function startWebhookReceiver(): Promise<{ server: Server; url: string }> {
  const inboxes = new Map<string, ReceivedWebhook[]>();
  const failures = new Map<string, number>();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://receiver");
    const [, area = "", inbox = "", action = ""] = url.pathname.split("/");
    if (area === "control" && action === "fail") {
      failures.set(inbox, Number(url.searchParams.get("times") ?? "1"));
      response.writeHead(204).end();
      return;
    }
    if (area === "control") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(inboxes.get(inbox) ?? []));
      return;
    }
    const failing = failures.get(inbox) ?? 0;
    if (failing > 0) failures.set(inbox, failing - 1);
    const status = failing > 0 ? 500 : 200;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    const received = inboxes.get(inbox) ?? [];
    received.push({ method: request.method ?? "", headers, body: await readBody(request), status });
    inboxes.set(inbox, received);
    response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
