import fc from "fast-check";
import { SignJWT } from "jose";
import { asLatin1Bytes, credentialText, hostileText } from "./strings";

/*
 * Credentials for the auth methods under fuzz. A plan is resolved against the
 * keys the test created: an `admissible` credential may be let in (the real
 * key, or a JWT signed with the API's secret whatever its claims); a `forged`
 * one must never reach the upstream.
 */

export interface Secrets {
  /** A key with access to the token API. */
  tokenKey: string;
  /** A key that exists but has no access to the token API. */
  otherKey: string;
  basicUser: string;
  basicPassword: string;
  jwtSecret: string;
  hmacKeyId: string;
  hmacSecret: string;
}

/** What the client adds to its request: headers, and query parameters. */
export interface Presented {
  headers: Record<string, string>;
  query?: Record<string, string>;
}

export interface CredentialPlan {
  /** `none` sends nothing; `admissible` may pass; `forged` must be refused. */
  kind: "none" | "admissible" | "forged";
  label: string;
  present: (secrets: Secrets) => Promise<Presented> | Presented;
}

/** `values` are what the plan was generated from, shown in reports (a closure alone would hide them). */
function plan(kind: CredentialPlan["kind"], label: string, present: CredentialPlan["present"], ...values: unknown[]): CredentialPlan {
  const shown = values.length > 0 ? ` ${values.map((value) => fc.stringify(value)).join(", ")}` : "";
  return { kind, label, present, [fc.toStringMethod]: () => `${kind} credential: ${label}${shown}` } as CredentialPlan;
}
const header = (value: string): Presented => ({ headers: { authorization: value } });
const bytesBase64 = (text: string) => btoa(asLatin1Bytes(text));
const b64url = (text: string) => bytesBase64(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");

export const noCredential = fc.constant(plan("none", "no credential", () => ({ headers: {} })));
const nothing = noCredential;
const rawHeader = credentialText.map((value) => plan("forged", "raw Authorization", () => header(value), value));

export const tokenPlans: fc.Arbitrary<CredentialPlan> = fc.oneof(
  nothing,
  fc.constant(plan("admissible", "the key in the header", (secrets) => header(secrets.tokenKey))),
  fc.constant(plan("admissible", "the key as Bearer", (secrets) => header(`Bearer ${secrets.tokenKey}`))),
  fc.constant(plan("admissible", "the key in ?api_key", (secrets) => ({ headers: {}, query: { api_key: secrets.tokenKey } }))),
  fc.constant(plan("admissible", "the key in a cookie", (secrets) => ({ headers: { cookie: `session=${encodeURIComponent(secrets.tokenKey)}` } }))),
  rawHeader,
  credentialText.map((value) => plan("forged", "Bearer + text", () => header(`Bearer ${value}`), value)),
  fc.constant(plan("forged", "a key without access to this API", (secrets) => header(secrets.otherKey))),
  fc
    .tuple(fc.nat(60), credentialText)
    .map(([at, text]) =>
      plan("forged", "part of the key + text", (secrets) => header(`${secrets.tokenKey.slice(0, at % secrets.tokenKey.length)}${text}!`), at, text),
    ),
  credentialText.map((value) => plan("forged", "a cookie", () => ({ headers: { cookie: `session=${value}` } }), value)),
  hostileText.map((value) => plan("forged", "?api_key", () => ({ headers: {}, query: { api_key: `${value}!` } }), value)),
);

export const basicPlans: fc.Arbitrary<CredentialPlan> = fc.oneof(
  nothing,
  fc.constant(plan("admissible", "the user's password", (secrets) => header(`Basic ${btoa(`${secrets.basicUser}:${secrets.basicPassword}`)}`))),
  rawHeader,
  fc
    .tuple(hostileText, hostileText)
    .map(([user, password]) => plan("forged", "Basic of UTF-8 user:password", () => header(`Basic ${bytesBase64(`${user}:${password}!`)}`), user, password)),
  hostileText.map((password) =>
    plan("forged", "the user with another password", (secrets) => header(`Basic ${bytesBase64(`${secrets.basicUser}:${password}!`)}`), password),
  ),
  credentialText.map((value) => plan("forged", "Basic + text", () => header(`Basic ${value}`), value)),
);

async function hs256(claims: Record<string, unknown>, secret: string, extra: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ ...extra, alg: "HS256" }).sign(new TextEncoder().encode(secret));
}

const claims = fc.dictionary(
  fc.oneof(fc.constantFrom("sub", "pol", "exp", "nbf", "iat", "user_id", "azp", "kid"), hostileText),
  fc.jsonValue({ maxDepth: 2 }),
  {
    maxKeys: 4,
  },
);
const joseHeader = fc.dictionary(fc.constantFrom("kid", "typ", "cty", "jku", "x5u"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });

export const jwtPlans: fc.Arbitrary<CredentialPlan> = fc.oneof(
  nothing,
  fc.constant(plan("admissible", "a token for a user", async (secrets) => header(`Bearer ${await hs256({ sub: "fuzz-user" }, secrets.jwtSecret)}`))),
  // Signed with the API's secret: the claims decide, and any answer but a 5xx is right.
  fc
    .tuple(claims, joseHeader)
    .map(([payload, extra]) =>
      plan("admissible", "the API's secret, any claims", async (secrets) => header(`Bearer ${await hs256(payload, secrets.jwtSecret, extra)}`), payload, extra),
    ),
  rawHeader,
  claims.map((payload) => plan("forged", "another secret", async () => header(`Bearer ${await hs256(payload, "not-the-secret-of-this-api")}`), payload)),
  claims.map((payload) =>
    plan("forged", "alg none", () => header(`Bearer ${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(payload))}.`), payload),
  ),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), hostileText)
    .map(([head, body, signature]) =>
      plan(
        "forged",
        "hostile segments",
        () => header(`Bearer ${b64url(JSON.stringify(head) ?? "")}.${b64url(JSON.stringify(body) ?? "")}.${b64url(signature)}`),
        head,
        body,
        signature,
      ),
    ),
);

async function hmacSignature(secret: string, signingString: string, hash: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
  const bytes = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signingString)));
  return encodeURIComponent(btoa(String.fromCharCode(...bytes)));
}

/** Signs the Date header only, the list Tyk defaults to. */
async function signed(keyId: string, secret: string, algorithm = "hmac-sha256", hash = "SHA-256"): Promise<Presented> {
  const date = new Date().toUTCString();
  const signature = await hmacSignature(secret, `date: ${date}`, hash);
  return { headers: { date, authorization: `Signature keyId="${keyId}",algorithm="${algorithm}",headers="date",signature="${signature}"` } };
}

const signatureField = fc.constantFrom("keyId", "algorithm", "headers", "signature");

export const hmacPlans: fc.Arbitrary<CredentialPlan> = fc.oneof(
  nothing,
  fc.constant(plan("admissible", "a genuine signature", (secrets) => signed(secrets.hmacKeyId, secrets.hmacSecret))),
  rawHeader,
  fc.constant(plan("forged", "another secret", (secrets) => signed(secrets.hmacKeyId, "not-the-secret"))),
  credentialText.map((keyId) => plan("forged", "a hostile keyId", (secrets) => signed(`${keyId}!`, secrets.hmacSecret), keyId)),
  fc.tuple(signatureField, credentialText).map(([field, value]) =>
    plan(
      "forged",
      `a hostile ${field}`,
      async (secrets) => {
        const genuine = await signed(secrets.hmacKeyId, secrets.hmacSecret);
        const authorization = (genuine.headers["authorization"] ?? "").replace(new RegExp(`${field}="[^"]*"`), `${field}="${value.replaceAll('"', "")}!"`);
        return { headers: { ...genuine.headers, authorization } };
      },
      value,
    ),
  ),
  credentialText.map((date) =>
    plan("forged", "a hostile Date", async (secrets) => ({ headers: { ...(await signed(secrets.hmacKeyId, secrets.hmacSecret)).headers, date } }), date),
  ),
);
