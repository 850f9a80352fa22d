import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/*
 * A loopback server that answers like Tyk's Gateway API for what kv-seed
 * reads: GET /tyk/apis, /tyk/policies, /tyk/keys and /tyk/keys/{id}, behind
 * X-Tyk-Authorization, with Tyk's error bodies.
 */

export interface FakeTykState {
  secret: string;
  apis: unknown[];
  policies: unknown[];
  /** Key id as Tyk lists it (a hash when it hashes keys) → session. */
  keys: Record<string, unknown>;
  /** Tyk's hash_keys: keys are listed and fetched by hash. */
  hashKeys: boolean;
  /** Tyk's enable_hashed_keys_listing. */
  hashedKeysListing: boolean;
  /** Paths (with query) that never answer, to test timeouts. */
  hang?: string[];
}

export interface FakeTyk {
  url: string;
  /** Every request as `METHOD path?query`, with the secret it carried. */
  requests: { line: string; secret: string | undefined }[];
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      // A hanging request must not keep close() waiting.
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    }),
  );
});

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const error = (message: string) => ({ status: "error", message });

/** Tyk's status and body for a request. */
function answer(state: FakeTykState, request: IncomingMessage): [status: number, body: unknown] {
  const url = new URL(request.url ?? "/", "http://tyk");
  if (request.headers["x-tyk-authorization"] !== state.secret) return [403, error("Attempted administrative access with invalid or missing key!")];
  if (url.pathname === "/tyk/apis") return [200, state.apis];
  if (url.pathname === "/tyk/policies") return [200, state.policies];
  if (url.pathname === "/tyk/keys") {
    if (state.hashKeys && !state.hashedKeysListing) return [404, error("Hashed key listing is disabled in config (enable_hashed_keys_listing)")];
    return [200, { keys: Object.keys(state.keys) }];
  }
  const key = /^\/tyk\/keys\/(.+)$/.exec(url.pathname);
  if (!key) return [404, error("Not Found")];
  const session = state.keys[decodeURIComponent(key[1]!)];
  // A hashing Tyk finds a key by its hash only when asked with ?hashed=true.
  const hashedLookup = url.searchParams.get("hashed") === "true";
  if (session === undefined || state.hashKeys !== hashedLookup) return [404, error("Key not found")];
  return [200, session];
}

export async function startFakeTyk(state: FakeTykState): Promise<FakeTyk> {
  const requests: FakeTyk["requests"] = [];
  const server = createServer((request, response) => {
    requests.push({ line: `${request.method} ${request.url}`, secret: request.headers["x-tyk-authorization"] as string | undefined });
    if (state.hang?.includes(request.url ?? "")) return;
    reply(response, ...answer(state, request));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}
