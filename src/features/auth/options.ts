import type { AuthConfig } from "../../auth/credentials";
import type { Skews } from "../../auth/jwt-claims";
import type { KeySource, SigningFamily } from "../../auth/jwt-keys";
import type { Identity } from "../../chain/identity";
import type { RequestContext } from "../../chain/context";

/** Tyk's names for the auth methods (`base_identity_provided_by` values), in Tyk's chain order. */
export const authMethodOrder = ["basic_auth_user", "hmac_key", "jwt_claim", "auth_token"] as const;
export type AuthMethod = (typeof authMethodOrder)[number];

/** An API's auth settings, compiled once per config snapshot. */
export interface AuthOptions {
  /** Enabled methods in the order they run. */
  methods: AuthMethod[];
  /** The method whose session the request carries when several run. */
  baseIdentity: AuthMethod;
  token: AuthConfig;
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
  };
}

/** One auth method: resolves the caller's identity or throws a TykError with Tyk's status and message. */
export type Authenticator = (ctx: RequestContext, options: AuthOptions) => Promise<Identity>;
