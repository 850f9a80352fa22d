import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { admin } from "../support/admin";
import { gateway, keylessApi, loadApis, store, upstreamUrl } from "../support/gateway";
import { basicPlans, type CredentialPlan, hmacPlans, jwtPlans, noCredential, type Secrets, tokenPlans } from "./support/credentials";
import { runProperty, Tally } from "./support/property";
import type { Finding } from "./support/report";
import { type RequestCase, requestCases } from "./support/requests";
import { timeoutFor } from "./support/settings";
import { answerOf, fromUpstream, proxyVerdict } from "./support/verdicts";

/*
 * Hostile requests (method, path, query, headers, body, credential) against
 * one API per auth method. Invariants: no crash, no 5xx (the upstream is up,
 * so nothing here sets one up), every answer the gateway makes itself is
 * Tyk's error document, and a forged credential never reaches the upstream.
 */

const origin = "http://gateway.test";
const secrets: Secrets = {
  tokenKey: "",
  otherKey: "",
  basicUser: "fuzz-alice",
  basicPassword: "wonderland",
  jwtSecret: "a-shared-hmac-secret-for-fuzzing!",
  hmacKeyId: "fuzz-hmac-user",
  hmacSecret: "fuzz-hmac-secret",
};

/** An API at `/<id>` proxied below `/fuzz` on the echo upstream (the echo's fault paths stay out of reach). */
function api(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return keylessApi({ api_id: id, name: id, proxy: { listen_path: `/${id}`, target_url: `${upstreamUrl()}/fuzz`, strip_listen_path: true }, ...fields });
}

const access = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, { api_id: id, api_name: id, versions: ["Default"] }]));

async function created(path: string, body: Record<string, unknown>): Promise<string> {
  const reply = await admin("POST", path, body);
  if (reply.status !== 200) throw new Error(`setup: POST ${path} answered ${reply.status} ${JSON.stringify(reply.body)}`);
  return (reply.body as { key: string }).key;
}

beforeAll(async () => {
  await store().put("policies", "fz-jwt-default", { id: "fz-jwt-default", org_id: "default", access_rights: access("fz-jwt") });
  await loadApis(
    api("fz-keyless", {}),
    api("fz-token", {
      use_keyless: false,
      use_standard_auth: true,
      auth: { auth_header_name: "Authorization", use_param: true, param_name: "api_key", use_cookie: true, cookie_name: "session" },
    }),
    api("fz-basic", { use_keyless: false, use_basic_auth: true }),
    api("fz-jwt", {
      use_keyless: false,
      enable_jwt: true,
      jwt_signing_method: "hmac",
      jwt_source: btoa(secrets.jwtSecret),
      jwt_default_policies: ["fz-jwt-default"],
      jwt_policy_field_name: "pol",
    }),
    api("fz-hmac", { use_keyless: false, enable_signature_checking: true, hmac_allowed_clock_skew: 60_000 }),
  );
  secrets.tokenKey = await created("/keys/create", { org_id: "default", access_rights: access("fz-token") });
  secrets.otherKey = await created("/keys/create", { org_id: "default", access_rights: access("fz-keyless") });
  await created(`/keys/${secrets.basicUser}`, {
    org_id: "default",
    access_rights: access("fz-basic"),
    basic_auth_data: { password: secrets.basicPassword, hash_type: "" },
  });
  await created(`/keys/${secrets.hmacKeyId}`, { org_id: "default", access_rights: access("fz-hmac"), hmac_enabled: true, hmac_string: secrets.hmacSecret });
});

interface Case {
  request: RequestCase;
  plan: CredentialPlan;
}

async function probe(apiId: string, { request, plan }: Case): Promise<Finding | null> {
  const presented = await plan.present(secrets);
  const url = new URL(`${origin}/${apiId}${request.suffix}`);
  for (const [name, value] of Object.entries(presented.query ?? {})) url.searchParams.set(name, value);
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(presented.headers)) headers.set(name, value);
  const label = `${request.method.toUpperCase() === "HEAD" ? "HEAD" : "a request"} to ${apiId} with ${plan.label}`;
  const answer = await answerOf(() => gateway(`${url.pathname}${url.search}`, { method: request.method, headers, body: request.body }));
  if ("status" in answer) tallies.get(apiId)?.count(fromUpstream(answer) ? `proxied (${plan.kind})` : String(answer.status));
  const verdict = proxyVerdict(answer, label, { head: request.method.toUpperCase() === "HEAD" });
  if (verdict) return verdict;
  if (plan.kind !== "admissible" && apiId !== "fz-keyless" && "status" in answer && fromUpstream(answer)) {
    return { kind: "security", signature: `security: ${label} reached the upstream`, detail: `${answer.status} ${answer.text.slice(0, 200)}` };
  }
  return null;
}

const cases = (apiId: string, plans: fc.Arbitrary<CredentialPlan>) => fc.record({ request: requestCases(origin, `/${apiId}`), plan: plans });

const tallies = new Map<string, Tally>();

const targets: [string, fc.Arbitrary<CredentialPlan>, number][] = [
  ["fz-keyless", noCredential, 200],
  ["fz-token", tokenPlans, 200],
  ["fz-basic", basicPlans, 150],
  ["fz-jwt", jwtPlans, 150],
  ["fz-hmac", hmacPlans, 150],
];

describe("fuzzed requests", () => {
  for (const [apiId, plans, ciRuns] of targets) {
    it(
      `to ${apiId}`,
      async ({ task }) => {
        const tally = new Tally();
        tallies.set(apiId, tally);
        // Enough requests must get through for what lies behind authentication to be fuzzed too.
        const reach = { outcome: apiId === "fz-keyless" ? "proxied (none)" : "proxied (admissible)", share: 0.05 };
        await runProperty({ name: `to ${apiId}`, arbitrary: cases(apiId, plans), check: (input) => probe(apiId, input), ciRuns, tally, reach }, task.meta);
      },
      timeoutFor(10_000),
    );
  }
});
