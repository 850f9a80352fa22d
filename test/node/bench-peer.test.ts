import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker, readWorkerConfig } from "../../bench/bundle";
import { startPeer, type Contestant } from "../../bench/contestants";

/*
 * The bench's peer (bench/peer, and its free-bindings variant) in real workerd with Miniflare's
 * KV and Rate Limiting binding, against a loopback upstream that echoes the path it was sent:
 * the peer must do what the bench says it does, or Portcullis ÷ peer means nothing.
 */

const repoRoot = resolve(import.meta.dirname, "../..");
const authKey = "peer-test-auth-key";
const limitedKey = "peer-test-limited-key";

let upstream: Server;
let upstreamOrigin = "";
let dir = "";
const peers: Record<"asWritten" | "freeBindings", Contestant | undefined> = { asWritten: undefined, freeBindings: undefined };

beforeAll(async () => {
  upstream = createServer((request, response) => {
    response.setHeader("Content-Type", "application/json");
    response.end(JSON.stringify({ path: request.url, authorization: request.headers.authorization ?? null }));
  });
  await new Promise<void>((done) => upstream.listen(0, "127.0.0.1", done));
  const address = upstream.address();
  upstreamOrigin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  dir = await mkdtemp(join(tmpdir(), "portcullis-peer-test-"));
  const config = readWorkerConfig(join(repoRoot, "wrangler.toml"));
  const keys: [string, string[]][] = [
    [authKey, ["auth"]],
    [limitedKey, ["limited"]],
  ];
  const [asWritten, freeBindings] = await Promise.all([
    bundleWorker(join(repoRoot, "bench/peer/wrangler.toml"), join(dir, "peer"), repoRoot, config),
    bundleWorker(join(repoRoot, "bench/peer/free-bindings/wrangler.toml"), join(dir, "peer-free"), repoRoot, config),
  ]);
  peers.asWritten = await startPeer("peer", asWritten, config, upstreamOrigin, keys);
  peers.freeBindings = await startPeer("peer, free bindings", freeBindings, config, upstreamOrigin, keys);
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(peers).map((peer) => peer?.stop()));
  await new Promise((done) => upstream?.close(done));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(["asWritten", "freeBindings"] as const)("bench peer (%s)", (variant) => {
  const get = (path: string, key?: string) => fetch(`${peers[variant]!.origin}${path}`, { headers: key ? { Authorization: key } : {} });

  it("forwards keyless requests with the route's prefix stripped and the query kept", async () => {
    const response = await get("/keyless/small?x=1");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: "/small?x=1", authorization: null });
  });

  it("refuses a missing or unknown key with 401 and a key of another API with 403", async () => {
    expect((await get("/auth/small")).status).toBe(401);
    expect((await get("/auth/small", "no-such-key")).status).toBe(401);
    expect((await get("/auth/small", limitedKey)).status).toBe(403);
  });

  it("forwards a known key's request, key header included", async () => {
    const response = await get("/auth/small", authKey);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: "/small", authorization: authKey });
  });

  it("admits a limited key under its rate limit", async () => {
    for (let request = 0; request < 3; request++) expect((await get("/limited/small", limitedKey)).status).toBe(200);
    expect((await get("/limited/small", authKey)).status).toBe(403);
  });
});
