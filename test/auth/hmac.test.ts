import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, loadApis } from "../support/gateway";
import { accessTo, expectError, securedApi } from "./support";

const invalid = "Authorization field missing, malformed or invalid";
const secret = "9879879878787878";
const skewMs = 5_000;

interface SignOptions {
  keyId?: string;
  algorithm?: string;
  secret?: string;
  date?: Date;
  headers?: string;
  path?: string;
  method?: string;
  /** Sign as a client that sends the date in X-Aux-Date. */
  auxDate?: boolean;
}

async function sign(options: SignOptions = {}): Promise<Record<string, string>> {
  const algorithm = options.algorithm ?? "hmac-sha256";
  const digest = { "hmac-sha1": "SHA-1", "hmac-sha256": "SHA-256", "hmac-sha512": "SHA-512" }[algorithm] ?? "SHA-256";
  const date = (options.date ?? new Date()).toUTCString();
  const listed = options.headers ?? "(request-target) date x-request-id";
  const values: Record<string, string> = {
    "(request-target)": `${(options.method ?? "GET").toLowerCase()} ${options.path ?? "/hmac/orders"}`,
    date,
    "x-request-id": "r-1",
  };
  const label = (name: string) => (name === "date" && options.auxDate ? "x-aux-date" : name);
  const signingString = listed
    .split(" ")
    .map((name) => `${label(name)}: ${values[name]}`)
    .join("\n");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(options.secret ?? secret), { name: "HMAC", hash: digest }, false, ["sign"]);
  const raw = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signingString)));
  const signature = encodeURIComponent(btoa(String.fromCharCode(...raw)));
  return {
    date,
    "x-request-id": "r-1",
    authorization: `Signature keyId="${options.keyId ?? "hmac-user"}",algorithm="${algorithm}",headers="${listed}",signature="${signature}"`,
  };
}

describe("HMAC request signatures", () => {
  beforeAll(async () => {
    await loadApis(
      securedApi("hmac", { enable_signature_checking: true, hmac_allowed_clock_skew: skewMs }),
      securedApi("hmac-strict", { enable_signature_checking: true, hmac_allowed_algorithms: ["hmac-sha512"] }),
    );
    const session = { org_id: "default", access_rights: accessTo("hmac", "hmac-strict"), hmac_enabled: true, hmac_string: secret };
    expect((await admin("POST", "/keys/hmac-user", session)).status).toBe(200);
    expect((await admin("POST", "/keys/hmac-off", { ...session, hmac_enabled: false })).status).toBe(200);
  });

  it("accepts a correctly signed request and proxies it", async () => {
    const response = await gateway("/hmac/orders", { headers: await sign() });
    expect((await echoOf(response)).path).toBe("/orders");
  });

  it("accepts hmac-sha1 and the Date-only default header list", async () => {
    expect((await gateway("/hmac/orders", { headers: await sign({ algorithm: "hmac-sha1", headers: "date" }) })).status).toBe(200);
  });

  it("answers 400 with Tyk's one message for every failure", async () => {
    await expectError(await gateway("/hmac/orders"), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: { authorization: "Signature nonsense" } }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ secret: "wrong-secret" }) }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ keyId: "no-such-key" }) }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ keyId: "hmac-off" }) }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ path: "/hmac/other" }) }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ algorithm: "hmac-md5" }) }), 400, invalid);
  });

  it("refuses a tampered signed header", async () => {
    const headers = await sign();
    await expectError(await gateway("/hmac/orders", { headers: { ...headers, "x-request-id": "r-2" } }), 400, invalid);
  });

  it("enforces hmac_allowed_algorithms", async () => {
    await expectError(await gateway("/hmac-strict/orders", { headers: await sign({ path: "/hmac-strict/orders" }) }), 400, invalid);
    const allowed = await sign({ path: "/hmac-strict/orders", algorithm: "hmac-sha512" });
    expect((await gateway("/hmac-strict/orders", { headers: allowed })).status).toBe(200);
  });

  it("enforces the clock skew in both directions, so an old signature cannot be replayed", async () => {
    const now = Date.now();
    expect((await gateway("/hmac/orders", { headers: await sign({ date: new Date(now - skewMs + 2_000) }) })).status).toBe(200);
    expect((await gateway("/hmac/orders", { headers: await sign({ date: new Date(now + skewMs - 2_000) }) })).status).toBe(200);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ date: new Date(now - skewMs - 2_000) }) }), 400, invalid);
    await expectError(await gateway("/hmac/orders", { headers: await sign({ date: new Date(now + skewMs + 2_000) }) }), 400, invalid);
  });

  it("skips the skew check when hmac_allowed_clock_skew is 0, but still needs a date", async () => {
    const old = await sign({ path: "/hmac-strict/orders", algorithm: "hmac-sha512", date: new Date(Date.now() - 86_400_000) });
    expect((await gateway("/hmac-strict/orders", { headers: old })).status).toBe(200);
    const { date: _, ...undated } = await sign({ path: "/hmac-strict/orders", algorithm: "hmac-sha512" });
    await expectError(await gateway("/hmac-strict/orders", { headers: undated }), 400, invalid);
  });

  it("prefers X-Aux-Date over Date", async () => {
    const headers = await sign({ auxDate: true });
    const response = await gateway("/hmac/orders", { headers: { ...headers, "x-aux-date": headers.date!, date: "Thu, 01 Jan 1970 00:00:00 GMT" } });
    expect(response.status).toBe(200);
    await expectError(await gateway("/hmac/orders", { headers: { ...(await sign()), "x-aux-date": new Date().toUTCString() } }), 400, invalid);
  });
});
