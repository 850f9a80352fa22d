import { createSign, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * The bench's OpenID Connect provider on loopback: a discovery document and a
 * one-key JWKS (both cacheable for an hour, so the gateway fetches each once),
 * and one RS256 ID token for the `oidc` scenario, valid for the bench's lifetime.
 */

export const benchOidcClientId = "bench-client";

export interface OidcIssuer {
  /** The issuer URL, which is also where it listens. */
  origin: string;
  idToken: string;
  stop(): Promise<void>;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "bench-key", use: "sig", alg: "RS256" }] });
  let origin = "";
  const server = createServer((request, response) => {
    const headers = { "content-type": "application/json", "cache-control": "max-age=3600" };
    if (request.url === "/.well-known/openid-configuration")
      response.writeHead(200, headers).end(JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks` }));
    else if (request.url === "/jwks") response.writeHead(200, headers).end(jwks);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: origin, aud: benchOidcClientId, sub: "bench-user", iat: now, exp: now + 3600 };
  const input = `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "bench-key" }))}.${base64url(JSON.stringify(claims))}`;
  const idToken = `${input}.${base64url(createSign("RSA-SHA256").update(input).sign(privateKey))}`;
  return { origin, idToken, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
