import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultJwksOptions, JwksCache } from "../../src/auth/jwks";
import { discoveryUrl, OidcDiscovery } from "../../src/auth/oidc-discovery";
import { decodeProviders, IdTokenError, verifyIdToken, type IdTokenVerifier, type VerifiedSignature } from "../../src/auth/oidc-token";
import { LruCache } from "../../src/lib/lru";

const issuer = "https://idp.test/realm";
const jwksUri = "https://idp.test/realm/jwks";

describe("OpenID Connect ID tokens", () => {
  let keys: CryptoKeyPair;
  let fetches: string[];
  let verifier: IdTokenVerifier;
  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: issuer, aud: "web-app", sub: "alice", exp: Math.floor(Date.now() / 1000) + 60, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(keys.privateKey);

  beforeAll(async () => {
    keys = await generateKeyPair("RS256", { extractable: true });
  });

  function freshVerifier(): IdTokenVerifier {
    fetches = [];
    const fetcher = async (input: RequestInfo | URL) => {
      const url = String(input);
      fetches.push(url);
      if (url === discoveryUrl(issuer)) return Response.json({ issuer, jwks_uri: jwksUri });
      return Response.json({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: "k1" }] });
    };
    const options = { ...defaultJwksOptions, refreshCooldownMs: 0 };
    return {
      providers: decodeProviders([{ issuer, client_ids: { [btoa("web-app")]: "web-policy" } }]).providers,
      discovery: new OidcDiscovery(options, fetcher as typeof fetch),
      jwks: new JwksCache(options, fetcher as typeof fetch),
      verified: new LruCache<string, VerifiedSignature>(10),
    };
  }

  it("builds the discovery URL from the issuer without its trailing slash", () => {
    expect(discoveryUrl("https://idp.test/realm/")).toBe("https://idp.test/realm/.well-known/openid-configuration");
  });

  it("decodes Tyk's base64 client ids and sets aside the ones that are not base64", () => {
    const { providers, invalid } = decodeProviders([
      { issuer, client_ids: { [btoa("a")]: "p1", "not base64!": "p2" } },
      { issuer, client_ids: { [btoa("b")]: "p3" } },
    ]);
    expect([...providers.get(issuer)!]).toEqual([
      ["a", "p1"],
      ["b", "p3"],
    ]);
    expect(invalid).toEqual(["not base64!"]);
  });

  it("verifies a token once and then trusts the cache while the key object is the same", async () => {
    verifier = freshVerifier();
    const text = await token();
    const first = await verifyIdToken(text, verifier);
    expect(first).toMatchObject({ issuer, clientId: "web-app", policyId: "web-policy", subject: "alice" });
    expect(fetches).toEqual([discoveryUrl(issuer), jwksUri]);
    // A marker only the cached claims carry shows whether the second call used them.
    verifier.verified.peek(text)!.claims["marker"] = true;
    expect((await verifyIdToken(text, verifier)).claims["marker"]).toBe(true);
    expect(fetches).toHaveLength(2);
  });

  it("verifies again once the key set was refetched", async () => {
    verifier = freshVerifier();
    const text = await token();
    await verifyIdToken(text, verifier);
    verifier.verified.peek(text)!.claims["marker"] = true;
    // An unknown kid refetches the set (no cooldown here), replacing every JWK object.
    await expect(
      verifyIdToken(
        await new SignJWT({ iss: issuer, aud: "web-app", sub: "x" }).setProtectedHeader({ alg: "RS256", kid: "k2" }).sign(keys.privateKey),
        verifier,
      ),
    ).rejects.toThrow(IdTokenError);
    expect((await verifyIdToken(text, verifier)).claims["marker"]).toBeUndefined();
  });

  it("checks expiry on every call, cached or not", async () => {
    verifier = freshVerifier();
    const text = await token({ exp: Math.floor(Date.now() / 1000) + 1 });
    await verifyIdToken(text, verifier);
    await expect(verifyIdToken(text, verifier, Date.now() / 1000 + 5)).rejects.toThrow("token has expired");
  });

  it("refuses an audience the issuer does not list before fetching anything", async () => {
    verifier = freshVerifier();
    await expect(verifyIdToken(await token({ aud: ["other", "another"] }), verifier)).rejects.toThrow("no audience is a client id of the issuer");
    expect(fetches).toEqual([]);
  });
});
