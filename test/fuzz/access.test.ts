import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { adminHeaders, gateway, keylessApi, loadApis, upstreamUrl } from "../support/gateway";
import { call, jsonBody, segment } from "./support/admin-calls";
import { runProperty, Tally } from "./support/property";
import type { Finding } from "./support/report";
import { timeoutFor } from "./support/settings";
import { plainAccessRights, policiesOver, sessionsOver } from "./support/sessions";
import { asLatin1Bytes, hostileText, inheritedNames } from "./support/strings";
import { adminVerdict, answerOf, fromUpstream, proxyVerdict } from "./support/verdicts";

/*
 * Keys and policies written through the Gateway API, then used on the proxy.
 * APIs include ids every JavaScript object inherits (`toString`, `__proto__`…).
 * Invariants: no crash or 5xx on either side, and a key reaches an API's
 * upstream only when its own access rights, or those of a policy it names,
 * list that API: nothing inherited, nothing invented.
 */

const apiIds = ["fz-open", "fz-other", ...inheritedNames] as const;
const policyIds = ["fz-policy", "fz-gold", "toString", "__proto__", "constructor", "valueOf"] as const;
const someApi = fc.constantFrom(...apiIds);
const somePolicy = fc.constantFrom(...policyIds);

/** The listen path of an API: its id in a path segment of its own. */
const listenPathOf = (apiId: string) => `/${encodeURIComponent(apiId)}/`;

beforeAll(async () => {
  await loadApis(
    ...apiIds.map((apiId) =>
      keylessApi({
        api_id: apiId,
        name: apiId,
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: listenPathOf(apiId), target_url: `${upstreamUrl()}/fuzz`, strip_listen_path: true },
      }),
    ),
  );
});

interface AccessCase {
  policies: Record<string, unknown>[];
  session: Record<string, unknown>;
  /** APIs tried besides those the key may be granted. */
  probes: string[];
  /** A custom key name (`POST /tyk/keys/<name>`), presented as its UTF-8 bytes; null for a generated key. */
  customName: string | null;
}

/** Mostly plain keys (so keys get in often enough to test the bound), sometimes anything a session may hold. */
const sessions = fc.oneof(
  {
    arbitrary: fc
      .record({ access_rights: plainAccessRights(someApi), apply_policies: fc.oneof(fc.constant([]), fc.uniqueArray(somePolicy, { maxLength: 2 })) })
      .map((session) => ({ org_id: "default", ...session })),
    weight: 3,
  },
  { arbitrary: sessionsOver(someApi, somePolicy).map((session) => ({ ...session, org_id: "default" })), weight: 1 },
);

const policies = fc.oneof(
  { arbitrary: fc.record({ id: somePolicy, org_id: fc.constant("default"), access_rights: plainAccessRights(someApi) }), weight: 3 },
  { arbitrary: policiesOver(someApi, somePolicy), weight: 1 },
);

const cases: fc.Arbitrary<AccessCase> = fc.record({
  policies: fc.uniqueArray(policies, { maxLength: 2, selector: (policy) => policy["id"] }),
  session: sessions,
  probes: fc.uniqueArray(someApi, { minLength: 2, maxLength: 4 }),
  customName: fc.option(
    fc.oneof(
      fc.stringMatching(/^[a-z0-9]{12,20}$/),
      hostileText.map((text) => `custom-${text}`),
    ),
    { freq: 3 },
  ),
});

/**
 * The Authorization header a client sends for a key: its UTF-8 bytes, one
 * Latin-1 character each; null when no header can carry it (control
 * characters, which the echo upstream's HTTP parser would refuse once the key
 * is let through, or surrounding spaces, which the Headers API trims).
 */
function headerFor(key: string): string | null {
  const value = asLatin1Bytes(key);
  const printable = [...value].every((char) => char >= " " && char !== "\u007f");
  return printable && value.trim() === value && value !== "" ? value : null;
}

const ownKeys = (value: unknown): string[] => (typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : []);

/** Every API a key could be granted: its own access rights and those of each policy it names that was stored. */
function grantable(session: Record<string, unknown>, stored: Map<string, Record<string, unknown>>): Set<string> {
  const named = [...(Array.isArray(session["apply_policies"]) ? session["apply_policies"] : []), session["apply_policy_id"]];
  const fromPolicies = named.flatMap((id) => (typeof id === "string" && stored.has(id) ? ownKeys(stored.get(id)?.["access_rights"]) : []));
  return new Set([...ownKeys(session["access_rights"]), ...fromPolicies]);
}

const tally = new Tally();

/** Policies the previous case stored, deleted before the next one writes its own. */
let storedBefore: string[] = [];

async function useKey({ policies, session, probes, customName }: AccessCase): Promise<Finding | null> {
  const stored = new Map<string, Record<string, unknown>>();
  const changed = storedBefore.length > 0 || policies.length > 0;
  for (const id of storedBefore) await call("DELETE", `/policies/${encodeURIComponent(id)}`);
  for (const policy of policies) {
    const answer = await call("POST", "/policies", JSON.stringify(policy));
    const verdict = adminVerdict(answer, "POST /tyk/policies");
    if (verdict) return verdict;
    if ("status" in answer && answer.status === 200) stored.set(String(policy["id"]), policy);
  }
  storedBefore = [...stored.keys()];
  const reload = changed ? adminVerdict(await call("GET", "/reload"), "GET /tyk/reload") : null;
  if (reload) return reload;
  const route = customName === null ? "/keys/create" : `/keys/${segment(customName)}`;
  const created = await call("POST", route, JSON.stringify(session));
  const verdict = adminVerdict(created, customName === null ? "POST /tyk/keys/create" : "POST /tyk/keys/:key");
  if (verdict) return verdict;
  if (!("status" in created) || created.status !== 200) {
    tally.count("key refused");
    return null;
  }
  const key = String((jsonBody(created) as { key: unknown }).key);
  // Tyk lets a custom key be presented by its name as well as by the token it was stored under.
  const presented = (customName === null ? null : headerFor(customName)) ?? key;
  const allowed = grantable(session, stored);
  try {
    for (const apiId of new Set([...allowed, ...probes].filter((id) => (apiIds as readonly string[]).includes(id)))) {
      const answer = await answerOf(() => gateway(`${listenPathOf(apiId)}x`, { headers: { authorization: presented } }));
      const label = `a fuzzed key on API ${apiId}`;
      const found = proxyVerdict(answer, label);
      if (found) return found;
      if ("status" in answer && fromUpstream(answer)) {
        tally.count("let in");
        if (!allowed.has(apiId)) {
          return {
            kind: "security",
            signature: `security: a key without rights to ${apiId} reached its upstream`,
            detail: `grantable: ${[...allowed].join(", ")}`,
          };
        }
      } else tally.count("status" in answer ? String(answer.status) : "rejected");
    }
    return null;
  } finally {
    await fetchQuietly(`/tyk/keys/${segment(key)}`);
  }
}

async function fetchQuietly(path: string): Promise<void> {
  await (await gateway(path, { method: "DELETE", headers: adminHeaders })).arrayBuffer();
}

describe("fuzzed keys and policies on the proxy", () => {
  it(
    "reach only the APIs their access rights list",
    async ({ task }) => {
      await runProperty(
        { name: "keys and policies on the proxy", arbitrary: cases, check: useKey, ciRuns: 40, tally, reach: { outcome: "let in", share: 0.3 } },
        task.meta,
      );
    },
    timeoutFor(15_000),
  );
});
