import * as z from "zod";
import { bytesFromBase64 } from "../lib/encoding";

/*
 * Tyk's `uptime_tests` block of a classic API definition (apidef.UptimeTests)
 * and the checks Portcullis can run from it. Workers make HTTP requests only,
 * so a `tcp` or `tls` check (with its `commands` and `enable_proxy_protocol`)
 * is skipped and reported; so is a check Tyk would also fail to prepare (a URL
 * that does not parse, a body that is not base64).
 */

/*
 * Values are kept as written (a null list stays null) rather than normalised:
 * the proxy step reads this fragment intersected with another loose fragment
 * of the same definition, and zod merges the two results only where they agree.
 */
const checkSchema = z.looseObject({
  url: z.string().default(""),
  protocol: z.string().default(""),
  /** A Go time.Duration: nanoseconds. */
  timeout: z.number().default(0),
  enable_proxy_protocol: z.boolean().default(false),
  commands: z
    .array(z.looseObject({ name: z.string().default(""), message: z.string().default("") }))
    .nullable()
    .default(null),
  method: z.string().default(""),
  headers: z.record(z.string(), z.string()).nullable().default(null),
  /** Base64 of the body to send. */
  body: z.string().default(""),
});

export const uptimeTestsSchema = z.looseObject({
  disabled: z.boolean().default(false),
  check_list: z.array(checkSchema).nullable().default(null),
  config: z
    .looseObject({
      /** Seconds an uptime record is kept; 0 keeps it for 100 years, as in Tyk. */
      expire_utime_after: z.number().int().default(0),
    })
    .prefault({}),
});

export type UptimeTests = z.output<typeof uptimeTestsSchema>;

/** One HTTP check as a checker runs it. */
export interface HostCheck {
  url: string;
  /** What a target's host is compared with (`URL.host`: host and any non-default port). */
  host: string;
  method: string;
  headers: Record<string, string>;
  /** Base64, as written in the definition; "" for none. */
  body: string;
  timeoutMs: number;
}

export interface SkippedCheck {
  /** Dotted path of the field that made the check unrunnable. */
  field: string;
  reason: string;
}

/** Tyk's host checker client gives up after 500 ms unless the check sets its own timeout. */
export const defaultCheckTimeoutMs = 500;

const rawProtocols = new Set(["tcp", "tls"]);

/** The checks Portcullis runs for these uptime tests (one per URL, the last wins as in Tyk), and the ones it skips. */
export function httpChecks(tests: UptimeTests): { checks: HostCheck[]; skipped: SkippedCheck[] } {
  const byUrl = new Map<string, HostCheck>();
  const skipped: SkippedCheck[] = [];
  (tests.check_list ?? []).forEach((check, index) => {
    const at = `uptime_tests.check_list.${index}`;
    if (rawProtocols.has(check.protocol)) {
      skipped.push({
        field: `${at}.protocol`,
        reason: `${check.protocol} uptime checks are not supported (Workers make HTTP requests only); the check is skipped`,
      });
      return;
    }
    if (!URL.canParse(check.url)) {
      skipped.push({ field: `${at}.url`, reason: "is not an absolute URL; the check is skipped" });
      return;
    }
    if (check.body !== "" && bytesFromBase64(check.body) === null) {
      skipped.push({ field: `${at}.body`, reason: "is not base64; the check is skipped" });
      return;
    }
    byUrl.set(check.url, {
      url: check.url,
      host: new URL(check.url).host,
      method: check.method || "GET",
      headers: check.headers ?? {},
      body: check.body,
      timeoutMs: check.timeout > 0 ? Math.max(1, Math.ceil(check.timeout / 1e6)) : defaultCheckTimeoutMs,
    });
  });
  return { checks: [...byUrl.values()], skipped };
}

/** Whether Tyk would run these uptime tests. */
export function testsRun(tests: UptimeTests): boolean {
  return !tests.disabled && httpChecks(tests).checks.length > 0;
}
