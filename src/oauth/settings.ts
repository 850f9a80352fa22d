import * as z from "zod";
import { formatIssues } from "../lib/validation";

/*
 * Gateway-wide settings of the OAuth server, named after Tyk's `tyk.conf`
 * overrides (`oauth_token_expire`, `oauth_refresh_token_expire`,
 * `oauth_redirect_uri_separator`, `oauth_error_status_code`).
 */

const positiveSeconds = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .transform((value) => (value === undefined || value === 0 ? fallback : value));

const oauthEnvSchema = z.looseObject({
  TYK_GW_OAUTHTOKENEXPIRE: positiveSeconds(3600),
  TYK_GW_OAUTHREFRESHEXPIRE: positiveSeconds(1_209_600),
  TYK_GW_OAUTHREDIRECTURISEPARATOR: z.string().default(""),
  TYK_GW_OAUTHERRORSTATUSCODE: z.coerce
    .number()
    .int()
    .min(400)
    .max(599)
    .optional()
    .transform((value) => value ?? 403),
});

export interface OAuthSettings {
  /** Seconds an access token lives. */
  accessExpiresIn: number;
  /** Seconds a refresh token lives. */
  refreshExpiresIn: number;
  /** Seconds an authorization code lives: osin's default, which Tyk keeps. */
  codeExpiresIn: number;
  /** Separates several redirect URIs in one client's `redirect_uri`; empty: one URI. */
  redirectUriSeparator: string;
  errorStatus: number;
}

export function oauthSettings(env: Record<string, unknown>): OAuthSettings {
  const parsed = oauthEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid gateway configuration: ${formatIssues(parsed.error)}`);
  const settings = parsed.data;
  return {
    accessExpiresIn: settings.TYK_GW_OAUTHTOKENEXPIRE,
    refreshExpiresIn: settings.TYK_GW_OAUTHREFRESHEXPIRE,
    codeExpiresIn: 250,
    redirectUriSeparator: settings.TYK_GW_OAUTHREDIRECTURISEPARATOR,
    errorStatus: settings.TYK_GW_OAUTHERRORSTATUSCODE,
  };
}
