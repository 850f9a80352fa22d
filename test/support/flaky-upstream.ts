import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback upstream whose health tests switch at will, for circuit breakers.
 * Requests to `/<channel>/...` are counted per channel and answered as the
 * channel's mode says: `ok` (200, JSON), `fail` (500) or `close` (the
 * connection is dropped without an answer: a transport error). Channels keep
 * tests apart. `POST /__control/<channel>?mode=<mode>` switches a channel;
 * `GET /__control/<channel>` reads `{ mode, hits }`.
 */
export const flakyModes = ["ok", "fail", "close"] as const;
export type FlakyMode = (typeof flakyModes)[number];

interface Channel {
  mode: FlakyMode;
  hits: number;
}

const isMode = (value: string | null): value is FlakyMode => flakyModes.includes(value as FlakyMode);

export async function startFlakyUpstream(port = 0): Promise<{ server: Server; url: string }> {
  const channels = new Map<string, Channel>();
  const channel = (name: string): Channel => {
    let found = channels.get(name);
    if (!found) {
      found = { mode: "ok", hits: 0 };
      channels.set(name, found);
    }
    return found;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://flaky");
    const [first = "", second = ""] = url.pathname.split("/").slice(1);
    if (first === "__control") {
      const state = channel(second);
      const mode = url.searchParams.get("mode");
      if (request.method === "POST" && isMode(mode)) state.mode = mode;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(state));
      return;
    }
    const state = channel(first);
    state.hits++;
    if (state.mode === "close") {
      request.socket.destroy();
      return;
    }
    response.writeHead(state.mode === "fail" ? 500 : 200, { "content-type": "application/json", "x-upstream": "flaky" });
    response.end(JSON.stringify({ channel: first, path: url.pathname, hits: state.hits }));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${bound}` };
}

/** The test side of a flaky upstream channel. */
export class FlakyChannel {
  constructor(
    readonly upstreamUrl: string,
    readonly name: string,
  ) {}

  /** The target URL of an API whose requests land on this channel. */
  get target(): string {
    return `${this.upstreamUrl}/${this.name}`;
  }

  async setMode(mode: FlakyMode): Promise<void> {
    const response = await fetch(`${this.upstreamUrl}/__control/${this.name}?mode=${mode}`, { method: "POST" });
    await response.body?.cancel();
  }

  async hits(): Promise<number> {
    const response = await fetch(`${this.upstreamUrl}/__control/${this.name}`);
    return ((await response.json()) as Channel).hits;
  }
}
