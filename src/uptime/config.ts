import * as z from "zod";
import { flag, optionalFlag, seconds } from "../lib/env";

/*
 * Uptime test settings, named after Tyk's `uptime_tests.*` gateway options
 * (`TYK_GW_UPTIMETESTS_*`), plus how often an isolate refreshes the host
 * status it balances with.
 */

/** A whole number of seconds or checks where Tyk reads 0 (or unset) as its default. */
const orDefault = (fallback: number) =>
  z.coerce
    .number()
    .nonnegative()
    .optional()
    .transform((value) => value || fallback);

export const uptimeEnvShape = {
  TYK_GW_UPTIMETESTS_DISABLE: flag(false),
  /** Failed checks in a row before a host is down (and successes before it is up again). */
  TYK_GW_UPTIMETESTS_CONFIG_FAILURETRIGGERSAMPLESIZE: orDefault(3).pipe(z.number().int()),
  /** Seconds between two runs of an API's checks. */
  TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT: orDefault(10),
  /** Unset means "on when analytics is on". */
  TYK_GW_UPTIMETESTS_CONFIG_ENABLEUPTIMEANALYTICS: optionalFlag,
  /** Seconds an isolate uses an API's host status before it asks the checker again (in the background). */
  PORTCULLIS_HOST_STATUS_CHECK_SECONDS: seconds(5),
};

type UptimeEnv = { [name in keyof typeof uptimeEnvShape]: z.output<(typeof uptimeEnvShape)[name]> };

export interface UptimeSettings {
  /** No checks run and no host is ever skipped. */
  disabled: boolean;
  sampleSize: number;
  intervalMs: number;
  /** undefined: follow analytics. */
  recordAnalytics: boolean | undefined;
  statusRefreshMs: number;
}

export function uptimeSettings(env: UptimeEnv): UptimeSettings {
  return {
    disabled: env.TYK_GW_UPTIMETESTS_DISABLE,
    sampleSize: env.TYK_GW_UPTIMETESTS_CONFIG_FAILURETRIGGERSAMPLESIZE,
    intervalMs: env.TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT * 1000,
    recordAnalytics: env.TYK_GW_UPTIMETESTS_CONFIG_ENABLEUPTIMEANALYTICS,
    statusRefreshMs: env.PORTCULLIS_HOST_STATUS_CHECK_SECONDS * 1000,
  };
}
