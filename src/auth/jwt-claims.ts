import { fromUtf8 } from "../lib/encoding";
import { messages } from "../lib/tyk-error";

/*
 * Reading and time-checking JWT claims the way Tyk does (gateway/mw_jwt.go):
 * claim names may be dotted paths into nested objects, the identity falls back
 * to `sub`, and exp / iat / nbf are checked with the API's skews.
 */

export type Claims = Record<string, unknown>;

/** A token's payload as claims; anything but a JSON object is refused with the caller's error. */
export function parseClaims(payload: Uint8Array, refuse: (reason: string) => Error): Claims {
  let claims: unknown;
  try {
    claims = JSON.parse(fromUtf8(payload));
  } catch {
    throw refuse("the payload is not JSON");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw refuse("the payload is not a JSON object");
  return claims as Claims;
}

/** A claim the token itself carries: an own property, so a name like `constructor` never finds Object's. */
export function ownClaim(claims: Claims, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

function nested(claims: Claims, path: string[]): unknown {
  let current: unknown = claims;
  for (const name of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = ownClaim(current as Claims, name);
  }
  return current;
}

/** A non-empty string claim: the literal name first (names may contain dots), then the dotted path. */
export function claimString(claims: Claims, field: string): string | undefined {
  const literal = ownClaim(claims, field);
  if (typeof literal === "string" && literal !== "") return literal;
  if (!field.includes(".")) return undefined;
  const value = nested(claims, field.split("."));
  return typeof value === "string" && value !== "" ? value : undefined;
}

export class ClaimError extends Error {
  override name = "ClaimError";
}

/** `jwt_identity_base_field` when it holds a value, else `sub`; Tyk's errors when neither does. */
export function identityOf(claims: Claims, baseField: string): string {
  if (baseField) {
    const value = claimString(claims, baseField);
    if (value) return value;
    const raw = baseField.includes(".") ? nested(claims, baseField.split(".")) : ownClaim(claims, baseField);
    if (raw === "") throw new ClaimError(messages.jwtEmptyBaseClaim(baseField));
  }
  const sub = ownClaim(claims, "sub");
  if (typeof sub === "string") {
    if (sub === "") throw new ClaimError(messages.jwtEmptySubClaim);
    return sub;
  }
  throw new ClaimError(messages.jwtNoIdentityClaim);
}

export interface Skews {
  expiresAt: number;
  issuedAt: number;
  notBefore: number;
}

/**
 * Checks exp, iat and nbf (seconds, each widened by its skew). A claim that is
 * absent or 0 is not checked; one that is not a number fails. When several
 * fail, the message is the last one checked, as in Tyk.
 */
export function timeClaimsError(claims: Claims, skews: Skews, nowSeconds = Date.now() / 1000): string | null {
  let error: string | null = null;
  const check = (name: string, valid: (value: number) => boolean, message: string) => {
    const value = ownClaim(claims, name);
    if (value === undefined || value === 0) return;
    if (typeof value !== "number" || !valid(value)) error = message;
  };
  check("exp", (exp) => nowSeconds - skews.expiresAt < exp, messages.jwtExpired);
  check("iat", (iat) => nowSeconds + skews.issuedAt >= iat, messages.jwtUsedBeforeIssued);
  check("nbf", (nbf) => nowSeconds + skews.notBefore >= nbf, messages.jwtNotValidYet);
  return error;
}

const oauthClientIdClaims = ["clientId", "cid", "client_id"];

/** The OAuth client id Tyk records on JWT sessions (Keycloak, Okta and Gluu claim names). */
export function oauthClientIdOf(claims: Claims): string {
  for (const name of oauthClientIdClaims) {
    const value = ownClaim(claims, name);
    if (typeof value === "string") return value;
  }
  return "";
}
