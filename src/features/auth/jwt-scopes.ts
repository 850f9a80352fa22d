import * as z from "zod";

/*
 * Which scope → policy mapping an API uses (Tyk's GetScopeClaimName /
 * GetScopeToPolicyMapping in apidef/api_definitions.go): while `scopes` is
 * empty, the deprecated `jwt_scope_claim_name` / `jwt_scope_to_policy_mapping`;
 * otherwise `scopes.oidc` when `use_openid` is on, else `scopes.jwt`. The
 * OpenID Connect method itself always reads `scopes.oidc`. An empty mapping
 * means scopes play no part; the claim name defaults to `scope`.
 */

/** Tyk exports maps as `null` as often as `{}`. */
const scopeMap = z
  .record(z.string(), z.string())
  .nullable()
  .default({})
  .transform((value) => value ?? {});

const scopeClaim = z.looseObject({ scope_claim_name: z.string().default(""), scope_to_policy: scopeMap });
type ScopeClaim = z.output<typeof scopeClaim>;
const emptyScopeClaim = (): ScopeClaim => scopeClaim.parse({});

export const scopeFields = {
  scopes: z
    .looseObject({ jwt: scopeClaim.nullable().prefault({}), oidc: scopeClaim.nullable().prefault({}) })
    .nullable()
    .prefault({})
    .transform((value) => ({ jwt: value?.jwt ?? emptyScopeClaim(), oidc: value?.oidc ?? emptyScopeClaim() })),
  jwt_scope_claim_name: z.string().default(""),
  jwt_scope_to_policy_mapping: scopeMap,
  use_openid: z.boolean().default(false),
};

const scopeFieldsSchema = z.object(scopeFields);
type ScopeFields = z.output<typeof scopeFieldsSchema>;

export const scopeHonours = ["scopes.jwt", "scopes.oidc", "jwt_scope_claim_name", "jwt_scope_to_policy_mapping"];

/** A mapping in use: the claim to read and scope → policy id. */
export interface ScopeOptions {
  claimName: string;
  mapping: ReadonlyMap<string, string>;
}

function optionsOf(claim: ScopeClaim): ScopeOptions | null {
  const entries = Object.entries(claim.scope_to_policy);
  return entries.length === 0 ? null : { claimName: claim.scope_claim_name || "scope", mapping: new Map(entries) };
}

const isEmpty = (claim: ScopeClaim) => claim.scope_claim_name === "" && Object.keys(claim.scope_to_policy).length === 0;

export function jwtScopeOptions(definition: ScopeFields): ScopeOptions | null {
  const { scopes } = definition;
  if (isEmpty(scopes.jwt) && isEmpty(scopes.oidc)) {
    return optionsOf({ scope_claim_name: definition.jwt_scope_claim_name, scope_to_policy: definition.jwt_scope_to_policy_mapping });
  }
  return optionsOf(definition.use_openid ? scopes.oidc : scopes.jwt);
}

export function oidcScopeOptions(definition: ScopeFields): ScopeOptions | null {
  return optionsOf(definition.scopes.oidc);
}
