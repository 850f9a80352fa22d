import { ownClaim, type Claims } from "./jwt-claims";

/*
 * Tyk's scope claims (getScopeFromClaim / mapScopeToPolicies in gateway/mw_jwt.go):
 * the claim may be a dotted path into nested objects; a string holds
 * space-separated scopes, an array holds one scope per string element (nested
 * arrays flattened, their strings not split). Each scope found in the mapping
 * contributes its policy, once.
 */

/** The claim's value: the literal name first (names may contain dots), then the dotted path. */
function scopeClaim(claims: Claims, name: string): unknown {
  const literal = ownClaim(claims, name);
  if (literal !== undefined || !name.includes(".")) return literal;
  let current: unknown = claims;
  for (const part of name.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = ownClaim(current as Claims, part);
  }
  return current;
}

function collect(value: unknown, nested: boolean, into: string[]): string[] {
  if (typeof value === "string") into.push(...(nested ? [value] : value.split(" ")));
  else if (Array.isArray(value)) for (const element of value) collect(element, true, into);
  return into;
}

/** The scopes a token carries in `claimName`; empty when the claim is absent or neither a string nor an array. */
export function scopesOf(claims: Claims, claimName: string): string[] {
  return collect(scopeClaim(claims, claimName), false, []);
}

/** The policies the scopes map to, in the order the scopes came, without repeats; unmapped scopes are ignored. */
export function policiesForScopes(mapping: ReadonlyMap<string, string>, scopes: readonly string[]): string[] {
  const policies = new Set<string>();
  for (const scope of scopes) {
    const policy = mapping.get(scope);
    if (policy !== undefined) policies.add(policy);
  }
  return [...policies];
}
