import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./upstream";

/**
 * A loopback OpenID Connect provider for the OIDC tests, one issuer per name
 * (issuer URL `<url>/<name>`). `GET /<name>/.well-known/openid-configuration`
 * serves the discovery document and `GET /<name>/jwks` the key set, both
 * counted; `PUT /<name>/jwks` with `{"keys": [...], "cacheControl": "..."}`
 * replaces the set (rotation on demand; the tests sign tokens themselves);
 * `GET /<name>/counts` answers `{"discovery": n, "jwks": n}`.
 */
interface Issuer {
  keys: string;
  cacheControl: string;
  discovery: number;
  jwks: number;
}

export async function startOidcProvider(): Promise<{ server: Server; url: string }> {
  const issuers = new Map<string, Issuer>();
  let base = "";
  const server = createServer(async (request, response) => {
    const match = /^\/([\w-]+)\/(\.well-known\/openid-configuration|jwks|counts)$/.exec(request.url ?? "");
    const issuer = match ? issuers.get(match[1]!) : undefined;
    const json = (status: number, body: unknown, cacheControl = "") =>
      response.writeHead(status, { "content-type": "application/json", ...(cacheControl ? { "cache-control": cacheControl } : {}) }).end(JSON.stringify(body));
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, name = "", resource] = match;
    if (resource === "jwks" && request.method === "PUT") {
      const { keys, cacheControl } = JSON.parse(await readBody(request)) as { keys: unknown[]; cacheControl?: string };
      issuers.set(name, { discovery: 0, jwks: 0, ...issuer, keys: JSON.stringify({ keys }), cacheControl: cacheControl ?? "" });
      response.writeHead(204).end();
      return;
    }
    if (resource === "counts") {
      json(200, { discovery: issuer?.discovery ?? 0, jwks: issuer?.jwks ?? 0 });
      return;
    }
    if (!issuer) {
      response.writeHead(404).end();
      return;
    }
    if (resource === "jwks") {
      issuer.jwks += 1;
      response
        .writeHead(200, { "content-type": "application/json", ...(issuer.cacheControl ? { "cache-control": issuer.cacheControl } : {}) })
        .end(issuer.keys);
      return;
    }
    issuer.discovery += 1;
    json(200, { issuer: `${base}/${name}`, jwks_uri: `${base}/${name}/jwks`, id_token_signing_alg_values_supported: ["RS256", "ES256"] }, issuer.cacheControl);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return { server, url: base };
}
