import { parseGoDuration } from "../lib/go-duration";
import type { OasExtension } from "./schema-extension";

/*
 * `upstream.uptimeTests` to the classic `uptime_tests` and
 * `proxy.check_host_against_uptime_tests`: Tyk's readable durations become
 * seconds (retention, retest wait) and nanoseconds (a check's timeout, a Go
 * time.Duration).
 */

type UptimeTests = NonNullable<OasExtension["upstream"]["uptimeTests"]>;

const seconds = (text: string | undefined) => Math.round((parseGoDuration(text ?? "") ?? 0) / 1000);
const nanoseconds = (text: string | undefined) => Math.round((parseGoDuration(text ?? "") ?? 0) * 1_000_000);

export function uptimeTestsToClassic(uptime: UptimeTests): Record<string, unknown> {
  return {
    disabled: !uptime.enabled,
    config: { expire_utime_after: seconds(uptime.logRetentionPeriod), recheck_wait: seconds(uptime.hostDownRetestPeriod) },
    check_list: (uptime.tests ?? []).map((test) => ({
      url: test.url ?? "",
      timeout: nanoseconds(test.timeout),
      method: test.method ?? "",
      headers: test.headers ?? null,
      body: test.body ?? "",
      enable_proxy_protocol: test.enableProxyProtocol ?? false,
      commands: test.commands?.map((command) => ({ name: command.name ?? "", message: command.message ?? "" })) ?? null,
    })),
  };
}
