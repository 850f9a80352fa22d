import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Where a slow network hop holds an exchange: before the request reaches the
 * server (`request`), or after the server answered (`response`: it has
 * committed, the client has not heard yet).
 */
export type HoldAt = "request" | "response";

export interface SlowProxy {
  url: string;
  /** Where and how long each exchange is held from now on; `ms: 0` passes everything straight through. */
  hold: { at: HoldAt; ms: number };
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy that adds latency to every exchange: a database a
 * network hop away. A request whose client went away while it was held is
 * never passed on, as a packet from a dead machine would not arrive.
 */
export async function startSlowProxy(target: string): Promise<SlowProxy> {
  const to = new URL(target);

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, body: Buffer, hold: SlowProxy["hold"]) => {
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      const relay = () => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      };
      if (hold.at === "response") setTimeout(relay, hold.ms);
      else relay();
    });
    upstream.on("error", (error) => {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    });
    upstream.end(body);
  };

  const proxy: SlowProxy = {
    url: "",
    hold: { at: "request", ms: 0 },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const hold = proxy.hold;
      const go = () => {
        if (!incoming.socket.destroyed) forward(incoming, outgoing, Buffer.concat(chunks), hold);
      };
      if (hold.at === "request") setTimeout(go, hold.ms);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
