import fc from "fast-check";
import { describe, it } from "vitest";
import { gateway, keylessApi, upstreamUrl } from "../support/gateway";
import { call, jsonBody, segment } from "./support/admin-calls";
import { runProperty, Tally } from "./support/property";
import type { Finding } from "./support/report";
import { timeoutFor } from "./support/settings";
import { adminVerdict, answerOf, proxyVerdict } from "./support/verdicts";

/*
 * Regular expressions that JavaScript's backtracking engine runs in
 * exponential time (nested quantifiers, ambiguous alternations,
 * back-references), put in every field that takes a pattern. A definition or
 * key may refuse them when written (400); once accepted, a request built to
 * make them backtrack must still be answered quickly. Requests are kept to
 * `runLength` characters, so even a pattern that does backtrack costs about
 * a second rather than hanging the isolate that runs this test.
 */

const runLength = 25;
/**
 * Tyk's Go regexes run in linear time. A request is backtracking when it takes
 * over `budgetMs` and over `ratio` times the same request without the long
 * run, twice in a row: absolute times alone mislead on a loaded CI machine.
 */
const budgetMs = 150;
const ratio = 10;
const evil = `${"a".repeat(runLength)}!`;

const atom = fc.constantFrom("a", "[a-z]", ".", "\\w", "[^/]", "(?:a)");
const tail = fc.constantFrom("b", "$", "!x", "\\d");
const dangerous: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(atom, tail).map(([x, end]) => `(${x}+)+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(${x}*)*${end}`),
  fc.tuple(atom, atom, tail).map(([x, y, end]) => `(${x}|${y})*${end}`),
  fc.tuple(atom, atom, tail).map(([x, y, end]) => `(${x}*${y}*)*${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `((${x})+)+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(?:${x}+)+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(${x}{1,3})+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(${x}+)\\1+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(?<r>${x}*)\\k<r>+${end}`),
  fc.tuple(atom, tail).map(([x, end]) => `(${x}|${x}${x})+${end}`),
);

/** Every place a definition takes a pattern, with how the request reaches it. */
const places = [
  "ignored",
  "white_list",
  "black_list",
  "size_limits",
  "transform_headers",
  "transform_response_headers",
  "method_transforms",
  "url_rewrites",
  "circuit_breakers",
  "hard_timeouts",
  "validate_json",
  "rate_limit",
  "track_endpoints",
  "do_not_track_endpoints",
  "match_pattern",
  "header_matches",
  "query_val_matches",
  "path_part_matches",
  "payload_matches",
  "legacy black_list",
  "allowed_urls",
] as const;
type Place = (typeof places)[number];

const entryFields: Partial<Record<Place, Record<string, unknown>>> = {
  size_limits: { size_limit: 1_000_000 },
  transform_headers: { add_headers: { "X-Seen": "1" } },
  transform_response_headers: { add_headers: { "X-Seen": "1" } },
  method_transforms: { to_method: "PUT" },
  circuit_breakers: { threshold_percent: 0.5, samples: 100, return_to_service_after: 1 },
  hard_timeouts: { timeout: 5 },
  validate_json: { schema: {} },
  rate_limit: { rate: 1000, per: 1 },
  white_list: { method_actions: {} },
};

function rewrite(options: Record<string, unknown>): Record<string, unknown> {
  return {
    url_rewrites: [
      { path: "/", method: "POST", match_pattern: ".*", rewrite_to: "/fuzz/rewritten", triggers: [{ on: "any", options, rewrite_to: "/fuzz/x" }] },
    ],
  };
}

function extendedPaths(place: Place, pattern: string): Record<string, unknown> {
  const endpoint = { path: `/${pattern}`, method: "POST" };
  switch (place) {
    case "match_pattern":
      return { url_rewrites: [{ path: "/", method: "POST", match_pattern: pattern, rewrite_to: "/fuzz/rewritten" }] };
    case "header_matches":
      return rewrite({ header_matches: { "X-Fuzz": { match_rx: pattern } } });
    case "query_val_matches":
      return rewrite({ query_val_matches: { q: { match_rx: pattern } } });
    case "path_part_matches":
      return rewrite({ path_part_matches: { p: { match_rx: pattern } } });
    case "payload_matches":
      return rewrite({ payload_matches: { match_rx: pattern } });
    case "url_rewrites":
      return { url_rewrites: [{ ...endpoint, match_pattern: ".*", rewrite_to: "/fuzz/rewritten" }] };
    case "legacy black_list":
    case "allowed_urls":
      return {};
    default:
      return { [place]: [{ ...endpoint, ...entryFields[place] }] };
  }
}

function definitionWith(apiId: string, place: Place, pattern: string): Record<string, unknown> {
  const legacy = place === "legacy black_list";
  return keylessApi({
    api_id: apiId,
    name: apiId,
    ...(place === "allowed_urls" ? { use_keyless: false, use_standard_auth: true } : {}),
    proxy: { listen_path: `/${apiId}/`, target_url: `${upstreamUrl()}/fuzz`, strip_listen_path: true },
    version_data: {
      not_versioned: true,
      versions: {
        Default: legacy
          ? { name: "Default", use_extended_paths: false, paths: { black_list: [`/${pattern}`], ignored: [], white_list: [] } }
          : { name: "Default", use_extended_paths: true, extended_paths: extendedPaths(place, pattern) },
      },
    },
  });
}

const tally = new Tally();
let counter = 0;

/** A key for an `allowed_urls` case, or a refusal: undefined when the Gateway API refused the pattern (as it may). */
async function keyFor(apiId: string, pattern: string): Promise<{ key?: string; finding?: Finding }> {
  const session = {
    org_id: "default",
    access_rights: { [apiId]: { api_id: apiId, versions: ["Default"], allowed_urls: [{ url: `/${pattern}`, methods: ["POST"] }] } },
  };
  const answer = await call("POST", "/keys/create", JSON.stringify(session));
  const verdict = adminVerdict(answer, "POST /tyk/keys/create");
  if (verdict) return { finding: verdict };
  if (!("status" in answer) || answer.status !== 200) return {};
  return { key: String((jsonBody(answer) as { key: unknown }).key) };
}

async function backtracks({ place, pattern }: { place: Place; pattern: string }): Promise<Finding | null> {
  counter += 1;
  const apiId = `fzp${counter}`;
  const stored = await call("POST", "/apis", JSON.stringify(definitionWith(apiId, place, pattern)));
  const verdict = adminVerdict(stored, "POST /tyk/apis");
  if (verdict) return verdict;
  if (!("status" in stored) || stored.status !== 200) {
    tally.count("refused when written");
    return null;
  }
  try {
    const reload = adminVerdict(await call("GET", "/reload"), "GET /tyk/reload");
    if (reload) return reload;
    const { key, finding } = place === "allowed_urls" ? await keyFor(apiId, pattern) : {};
    if (finding) return finding;
    if (place === "allowed_urls" && !key) {
      tally.count("refused when written");
      return null;
    }
    const send = (text: string) =>
      answerOf(() =>
        gateway(`/${apiId}/${text}?q=${text}&p=${text}`, { method: "POST", headers: { "x-fuzz": text, ...(key ? { authorization: key } : {}) }, body: text }),
      );
    const timings: string[] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await send(evil);
      const found = proxyVerdict(answer, `a request against ${place}`);
      if (found) return found;
      const control = await send("a!");
      timings.push(`${answer.ms} ms (control ${control.ms} ms)`);
      if (answer.ms <= budgetMs || answer.ms <= ratio * control.ms) {
        tally.count(`served: ${place}`);
        return null;
      }
    }
    return {
      kind: "slow",
      signature: `slow: a ${place} pattern backtracked`,
      detail: `${timings.join(", ")} for ${runLength + 1} characters against ${pattern}`,
    };
  } finally {
    await call("DELETE", `/apis/${segment(apiId)}`);
  }
}

describe("patterns that backtrack", () => {
  it(
    "are refused when written or answered in linear time",
    async ({ task }) => {
      await runProperty(
        {
          name: "backtracking patterns",
          arbitrary: fc.record({ place: fc.constantFrom(...places), pattern: dangerous }),
          check: backtracks,
          ciRuns: 50,
          tally,
        },
        task.meta,
      );
    },
    timeoutFor(20_000),
  );
});
