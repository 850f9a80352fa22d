import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/chain/gateway";
import { createGateway } from "../../src/gateway";
import { gateway } from "../support/gateway";
import { createClient, form, oauthApi, policyFor, setUp, tokenRequest, tokensOf, type CreatedClient } from "./support";

/*
 * A revoked OAuth token must stop working on every isolate within the
 * revocation bound (2 s), not after the session cache TTL (10 s): a gateway
 * built like a second isolate's caches the token's session, then the token is
 * revoked through the Worker.
 */

const api = "revoked-api";
const boundMs = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function otherIsolate() {
  const bindings: Bindings = { ...env };
  const isolateGateway = createGateway(bindings);
  const app = createApp(() => isolateGateway);
  return async (token: string) => {
    const response = await app.request(`http://gateway.test/${api}/x`, { headers: { authorization: `Bearer ${token}` } }, bindings, createExecutionContext());
    await response.body?.cancel();
    return response.status;
  };
}

async function refusedWithin(send: (token: string) => Promise<number>, token: string, withinMs: number): Promise<number | null> {
  const since = Date.now();
  while (Date.now() - since < withinMs) {
    if ((await send(token)) === 403) return Date.now() - since;
    await sleep(25);
  }
  return null;
}

describe("OAuth token revocation across isolates", () => {
  let client: CreatedClient;

  beforeAll(async () => {
    await setUp([oauthApi(api)], [policyFor("revoked-policy", [api])]);
    client = await createClient({ api_id: api, policy_id: "revoked-policy" });
  });

  it(`reaches another isolate that cached the token within ${boundMs} ms`, async () => {
    const send = otherIsolate();
    const { access_token } = await tokensOf(await tokenRequest(api, client, { grant_type: "client_credentials" }));
    expect(await send(access_token)).toBe(200);
    expect((await gateway(`/${api}/oauth/revoke`, form({ token: access_token }))).status).toBe(200);
    const refusedAfter = await refusedWithin(send, access_token, boundMs + 500);
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter!).toBeLessThan(boundMs + 100);
  });

  it("reaches another isolate when all of a client's tokens are revoked", async () => {
    const send = otherIsolate();
    const { access_token } = await tokensOf(await tokenRequest(api, client, { grant_type: "client_credentials" }));
    expect(await send(access_token)).toBe(200);
    const revoked = await gateway(`/${api}/oauth/revoke_all`, form({ client_id: client.client_id, client_secret: client.secret }));
    expect(revoked.status).toBe(200);
    expect(await refusedWithin(send, access_token, boundMs + 500)).not.toBeNull();
  });
});
