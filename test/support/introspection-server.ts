import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback RFC 7662 introspection endpoint for the external OAuth tests, one
 * realm per name so test files do not share state:
 * - `POST /<name>/introspect` (form `token`, `client_id`, `client_secret`) counts the
 *   call, checks the client credentials (401 `invalid_client` when wrong) and answers
 *   the claims stored for the token, or `{"active": false}` for a token it does not know;
 * - `PUT /<name>/tokens` with `{ "<token>": { claims } }` adds tokens;
 * - `PUT /<name>/mode` with `{"mode": "ok" | "slow" | "error" | "bad-json" | "no-active"}`
 *   makes later calls answer normally, after `slowMs`, 500, a body that is not JSON,
 *   or an object without `active`;
 * - `GET /<name>/calls` answers `{"count": n}`.
 */
export const introspectionClient = { id: "portcullis", secret: "introspection-secret" };

/** How long a call waits in slow mode: longer than the gateway's 2 s limit. */
export const slowMs = 2_500;

type Mode = "ok" | "slow" | "error" | "bad-json" | "no-active";

interface Realm {
  tokens: Map<string, Record<string, unknown>>;
  mode: Mode;
  calls: number;
}

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });

async function introspect(realm: Realm, raw: string): Promise<{ status: number; body: string }> {
  realm.calls += 1;
  const form = new URLSearchParams(raw);
  if (form.get("client_id") !== introspectionClient.id || form.get("client_secret") !== introspectionClient.secret) {
    return json(401, { error: "invalid_client" });
  }
  switch (realm.mode) {
    case "error":
      return json(500, { error: "server_error" });
    case "bad-json":
      return { status: 200, body: "<html>not json</html>" };
    case "no-active":
      return json(200, { sub: "someone" });
    case "slow":
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      break;
    case "ok":
      break;
  }
  return json(200, realm.tokens.get(form.get("token") ?? "") ?? { active: false });
}

export async function startIntrospectionServer(): Promise<{ server: Server; url: string }> {
  const realms = new Map<string, Realm>();
  const realmOf = (name: string) => {
    let realm = realms.get(name);
    if (!realm) {
      realm = { tokens: new Map(), mode: "ok", calls: 0 };
      realms.set(name, realm);
    }
    return realm;
  };
  const server = createServer(async (request, response) => {
    const match = /^\/([\w-]+)\/(introspect|tokens|mode|calls)$/.exec(request.url ?? "");
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, name = "", resource] = match;
    const realm = realmOf(name);
    const body = await readBody(request);
    if (resource === "introspect" && request.method === "POST") {
      const answer = await introspect(realm, body);
      response.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    } else if (resource === "tokens" && request.method === "PUT") {
      for (const [token, claims] of Object.entries(JSON.parse(body) as Record<string, Record<string, unknown>>)) realm.tokens.set(token, claims);
      response.writeHead(204).end();
    } else if (resource === "mode" && request.method === "PUT") {
      realm.mode = (JSON.parse(body) as { mode: Mode }).mode;
      response.writeHead(204).end();
    } else if (resource === "calls" && request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count: realm.calls }));
    } else {
      response.writeHead(405).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}
