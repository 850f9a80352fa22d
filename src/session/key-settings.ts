import * as z from "zod";
import { flag as flagWithDefault } from "../lib/env";
import { hashAlgorithms, type HashAlgorithm } from "./keys";

/*
 * Gateway settings for key lookups, basic auth passwords, session lifetimes
 * and JWKS refreshes, named after Tyk's `tyk.conf` environment overrides
 * where Tyk has one.
 */

const flag = flagWithDefault(false);

/** Tyk's `hash_key_function_fallback`: a comma-separated list of algorithms. */
const algorithmList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(hashAlgorithms, { error: `must be a comma-separated list of ${hashAlgorithms.join(", ")}` })));

/**
 * How new basic auth passwords are hashed. Tyk's default is bcrypt; bcrypt in
 * JavaScript costs tens of milliseconds of CPU per check, so Portcullis
 * defaults to PBKDF2-SHA256 through WebCrypto. Every listed kind is verified,
 * whatever the setting.
 */
export const passwordHashTypes = ["pbkdf2-sha256", "bcrypt", "sha256", "murmur32", "murmur64", "murmur128"] as const;
export type PasswordHashType = (typeof passwordHashTypes)[number];

export const keySettingsEnvShape = {
  TYK_GW_HASHKEYFUNCTIONFALLBACK: algorithmList,
  TYK_GW_BASICAUTHHASHKEYFUNCTION: z
    .enum([...passwordHashTypes, ""])
    .optional()
    .transform((value): PasswordHashType => value || "pbkdf2-sha256"),
  TYK_GW_GLOBALSESSIONLIFETIME: z.coerce
    .number()
    .int()
    .min(-1)
    .optional()
    .transform((value) => value ?? 0),
  TYK_GW_FORCEGLOBALSESSIONLIFETIME: flag,
  /** Least time between two JWKS fetches caused by tokens with an unknown kid. */
  PORTCULLIS_JWKS_REFRESH_COOLDOWN_SECONDS: z.coerce
    .number()
    .nonnegative()
    .optional()
    .transform((value) => value ?? 10),
};

type KeySettingsEnv = { [name in keyof typeof keySettingsEnvShape]: z.output<(typeof keySettingsEnvShape)[name]> };

export interface KeySettings {
  hashKeyFunctionFallback: HashAlgorithm[];
  basicAuthHashFunction: PasswordHashType;
  /** Seconds; 0 = none, -1 = keep forever. */
  globalSessionLifetime: number;
  forceGlobalSessionLifetime: boolean;
  jwksRefreshCooldownMs: number;
}

export function keySettings(env: KeySettingsEnv): KeySettings {
  return {
    hashKeyFunctionFallback: env.TYK_GW_HASHKEYFUNCTIONFALLBACK,
    basicAuthHashFunction: env.TYK_GW_BASICAUTHHASHKEYFUNCTION,
    globalSessionLifetime: env.TYK_GW_GLOBALSESSIONLIFETIME,
    forceGlobalSessionLifetime: env.TYK_GW_FORCEGLOBALSESSIONLIFETIME,
    jwksRefreshCooldownMs: env.PORTCULLIS_JWKS_REFRESH_COOLDOWN_SECONDS * 1000,
  };
}
