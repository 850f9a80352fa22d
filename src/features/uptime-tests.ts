import * as z from "zod";
import type { CoreApi } from "../apidef/compile";
import type { FieldWarning } from "../apidef/manifest";
import type { GatewayConfig } from "../config";
import type { HostStatus } from "../proxy/balancer";
import { httpChecks, testsRun, uptimeTestsSchema } from "../uptime/definition";

/*
 * What the proxy step reads of Tyk's uptime tests: whether load balancing
 * passes over hosts they found down. The checks themselves run in HostChecker
 * Durable Objects (src/uptime), armed by the Cron Trigger, not per request.
 * Host status is kept per API: an API skips the hosts its own uptime tests
 * found down (Tyk shares one status per host between all APIs).
 */

// Plain (stripping) objects: the proxy step intersects this fragment with its other loose one.
export const uptimeTestFields = z.object({
  proxy: z
    .object({
      enable_load_balancing: z.boolean().default(false),
      check_host_against_uptime_tests: z.boolean().default(false),
    })
    .prefault({}),
  uptime_tests: uptimeTestsSchema.prefault({}),
});

export type UptimeTestFields = z.output<typeof uptimeTestFields>;

/** `uptime_tests.config.service_discovery` and `recheck_wait` (read only with it) stay reported (catalogue-reported.ts). */
export const uptimeTestHonours = [
  "proxy.check_host_against_uptime_tests",
  "uptime_tests.disabled",
  "uptime_tests.check_list",
  "uptime_tests.config.expire_utime_after",
] as const;

/** Checks that cannot run here, and a host check with no checks of the API's own to consult. */
export function reportUptimeTests(fields: UptimeTestFields): FieldWarning[] {
  const tests = fields.uptime_tests;
  const warnings: FieldWarning[] = tests.disabled ? [] : httpChecks(tests).skipped.map(({ field, reason }) => ({ field, message: reason, security: false }));
  if (fields.proxy.enable_load_balancing && fields.proxy.check_host_against_uptime_tests && !testsRun(tests)) {
    warnings.push({
      field: "proxy.check_host_against_uptime_tests",
      message: "only this API's own uptime tests mark its hosts down, and it runs none; no host is skipped",
      security: false,
    });
  }
  return warnings;
}

/**
 * The host status the API's balancers consult, or undefined when Tyk would not
 * consult one: only load-balanced APIs that check hosts, and only while their
 * uptime tests run.
 */
export function hostStatusFor(fields: UptimeTestFields, api: CoreApi, settings: GatewayConfig): HostStatus | undefined {
  const { proxy, uptime_tests: tests } = fields;
  if (!proxy.enable_load_balancing || !proxy.check_host_against_uptime_tests || settings.uptime.disabled || !testsRun(tests)) return undefined;
  return { downHosts: (ctx) => ctx.gateway.hostStatus.downHosts(api.id, ctx.waitUntil) };
}
