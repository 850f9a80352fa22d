import type { AuthConfig } from "../../auth/credentials";
import type { ExternalOAuthOptions } from "../../auth/external-oauth";
import type { Skews } from "../../auth/jwt-claims";
import type { KeySource, SigningFamily } from "../../auth/jwt-keys";
import type { Identity } from "../../chain/identity";
import type { RequestContext } from "../../chain/context";
import type { CustomAuthOptions } from "./custom-auth";
import type { ScopeOptions } from "./jwt-scopes";
import type { OidcOptions } from "./oidc";

/** Tyk's names for the auth methods (`base_identity_provided_by` values), in Tyk's chain order. */
export const authMethodOrder = ["oauth_key", "external_oauth", "basic_auth_user", "hmac_key", "jwt_claim", "oidc_user", "custom_auth", "auth_token"] as const;
export type AuthMethod = (typeof authMethodOrder)[number];

/** An API's auth settings, compiled once per config snapshot. */
export interface AuthOptions {
  /** Enabled methods in the order they run. */
  methods: AuthMethod[];
  /** The method whose session the request carries when several run. */
  baseIdentity: AuthMethod;
  token: AuthConfig;
  /** Where Tyk's OAuth server's bearer tokens are read (`auth_configs.oauth`). */
  oauth: { config: AuthConfig };
  /** `use_certificate` of the token's settings: a request without a key is identified by its client certificate. */
  tokenUsesCertificate: boolean;
  basic: {
    config: AuthConfig;
    realm: string;
    /** `basic_auth.extract_from_body` patterns, when enabled. */
    body: { user: RegExp; password: RegExp } | null;
    /** null: `disable_caching`. */
    cacheTtlMs: number | null;
  };
  hmac: { config: AuthConfig; allowedAlgorithms: string[]; clockSkewMs: number };
  jwt: {
    config: AuthConfig;
    family: SigningFamily;
    source: KeySource;
    identityField: string;
    policyField: string;
    clientField: string;
    defaultPolicies: string[];
    skipKid: boolean;
    skews: Skews;
    /** `scopes.jwt` (or the deprecated fields) → policies; null without a mapping. */
    scopes: ScopeOptions | null;
  };
  oidc: OidcOptions;
  externalOAuth: ExternalOAuthOptions;
  /** The auth_check plugin (custom auth); null when custom auth is off. */
  customAuth: CustomAuthOptions | null;
}

/** One auth method: resolves the caller's identity or throws a TykError with Tyk's status and message. */
export type Authenticator = (ctx: RequestContext, options: AuthOptions) => Promise<Identity>;
