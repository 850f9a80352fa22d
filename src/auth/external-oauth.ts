import * as z from "zod";
import type { AuthConfig } from "./credentials";
import type { IntrospectionSettings } from "./introspection";
import type { Skews } from "./jwt-claims";
import { decodeKeySource, type KeySource, type SigningFamily } from "./jwt-keys";

/*
 * Tyk's `external_oauth` block (apidef.ExternalOAuth) and what an API compiles
 * it to. Tyk reads only the first provider, and within it JWT validation wins
 * over introspection when both are on.
 */

const jwtValidationSchema = z.looseObject({
  enabled: z.boolean().default(false),
  signing_method: z.string().default(""),
  /** As `jwt_source`: a JWKS URL (plain or base64), or base64 of the HMAC secret or a PEM public key. */
  source: z.string().default(""),
  issued_at_validation_skew: z.number().nonnegative().default(0),
  not_before_validation_skew: z.number().nonnegative().default(0),
  expires_at_validation_skew: z.number().nonnegative().default(0),
  identity_base_field: z.string().default(""),
});

const introspectionSchema = z.looseObject({
  enabled: z.boolean().default(false),
  url: z.string().default(""),
  client_id: z.string().default(""),
  client_secret: z.string().default(""),
  identity_base_field: z.string().default(""),
  cache: z.looseObject({ enabled: z.boolean().default(false), timeout: z.number().int().nonnegative().default(0) }).default({ enabled: false, timeout: 0 }),
});

const providerSchema = z.looseObject({
  jwt: jwtValidationSchema.default(() => jwtValidationSchema.parse({})),
  introspection: introspectionSchema.default(() => introspectionSchema.parse({})),
});

export const externalOAuthSchema = z.looseObject({
  enabled: z.boolean().default(false),
  providers: z
    .array(providerSchema)
    .nullable()
    .default([])
    .transform((providers) => providers ?? []),
});

export type ExternalOAuthFields = z.output<typeof externalOAuthSchema>;

export interface ProviderJwt {
  family: SigningFamily;
  source: KeySource;
  identityField: string;
  skews: Skews;
}

export type ExternalOAuthProvider =
  | { kind: "jwt"; jwt: ProviderJwt }
  | { kind: "introspection"; introspection: IntrospectionSettings; identityField: string }
  /** A provider with neither method on: Tyk answers 500. */
  | { kind: "none" };

export interface ExternalOAuthOptions {
  /** Where the bearer token is read: `auth_configs.externalOAuth` (the Authorization header by default). */
  config: AuthConfig;
  /** Tyk's first provider; null when none is configured (Tyk answers 404). */
  provider: ExternalOAuthProvider | null;
}

const signingFamilies: Record<string, SigningFamily> = { hmac: "hmac", rsa: "rsa", ecdsa: "ecdsa" };

function compileProvider(provider: z.output<typeof providerSchema>): ExternalOAuthProvider {
  const { jwt, introspection } = provider;
  if (jwt.enabled) {
    return {
      kind: "jwt",
      jwt: {
        // Tyk treats any other signing method as HMAC.
        family: signingFamilies[jwt.signing_method] ?? "hmac",
        source: decodeKeySource(jwt.source),
        identityField: jwt.identity_base_field,
        skews: { expiresAt: jwt.expires_at_validation_skew, issuedAt: jwt.issued_at_validation_skew, notBefore: jwt.not_before_validation_skew },
      },
    };
  }
  if (introspection.enabled) {
    return {
      kind: "introspection",
      introspection: {
        url: introspection.url,
        clientId: introspection.client_id,
        clientSecret: introspection.client_secret,
        cacheSeconds: introspection.cache.enabled ? introspection.cache.timeout : null,
      },
      identityField: introspection.identity_base_field,
    };
  }
  return { kind: "none" };
}

export function compileExternalOAuth(fields: ExternalOAuthFields, config: AuthConfig): ExternalOAuthOptions {
  const first = fields.providers[0];
  return { config, provider: first ? compileProvider(first) : null };
}
