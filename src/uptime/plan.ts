import * as z from "zod";
import { coreDefinitionSchema } from "../apidef/schema";
import { type EventHandlersConfig, eventHandlersSchema, handlersOf } from "../events/handlers";
import type { UptimeSettings } from "./config";
import { type HostCheck, httpChecks, uptimeTestsSchema } from "./definition";
import type { RecordContext } from "./record";

/** Everything one API's checker needs, sent by the cron each time it arms the checker. */
export interface CheckerPlan extends RecordContext {
  checks: HostCheck[];
  intervalMs: number;
  sampleSize: number;
  recordAnalytics: boolean;
  /** The API's HostDown / HostUp handlers, which the checker raises. */
  eventHandlers: EventHandlersConfig;
}

const uptimeFragment = z.looseObject({ uptime_tests: uptimeTestsSchema.prefault({}), event_handlers: eventHandlersSchema.prefault({}) });

/**
 * The checker plan of one stored definition, or undefined when no checks run
 * for it: an invalid or inactive definition, disabled tests, or no HTTP check.
 */
export function planFor(definition: unknown, settings: UptimeSettings, analyticsOn: boolean): CheckerPlan | undefined {
  const core = coreDefinitionSchema.safeParse(definition);
  const fragment = uptimeFragment.safeParse(definition);
  if (!core.success || !fragment.success || !core.data.active) return undefined;
  const tests = fragment.data.uptime_tests;
  if (tests.disabled) return undefined;
  const { checks } = httpChecks(tests);
  if (checks.length === 0) return undefined;
  return {
    apiId: core.data.api_id,
    orgId: core.data.org_id,
    expireAfterSeconds: tests.config.expire_utime_after,
    checks,
    intervalMs: settings.intervalMs,
    sampleSize: settings.sampleSize,
    recordAnalytics: (settings.recordAnalytics ?? true) && analyticsOn,
    eventHandlers: handlersOf(fragment.data.event_handlers, ["HostDown", "HostUp"]),
  };
}
