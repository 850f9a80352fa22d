import { isolateLogger } from "../lib/logger";
import type { Store } from "../store";
import type { UptimeSettings } from "./config";
import type { HostChecker } from "./host-checker";
import { type CheckerPlan, planFor } from "./plan";

/**
 * How long an armed checker keeps running without being armed again. The cron
 * fires every minute, so a checker outlives its API (or its tests) by at most this.
 */
export const checkerLeaseMs = 3 * 60_000;

export interface ArmReport {
  armed: string[];
  failed: string[];
}

/**
 * The Cron Trigger's work: arms one HostChecker per API whose uptime tests
 * run, with its current plan. Checkers it no longer arms stop when their
 * lease ends. Plans are recompiled only when the config version moved.
 */
export class CheckerArming {
  private cached: { version: string; plans: CheckerPlan[] } | undefined;

  constructor(
    private readonly store: Store,
    private readonly checkers: DurableObjectNamespace<HostChecker> | undefined,
    private readonly settings: UptimeSettings,
    private readonly analyticsOn: boolean,
  ) {}

  async run(): Promise<ArmReport> {
    const report: ArmReport = { armed: [], failed: [] };
    if (this.settings.disabled) return report;
    const plans = await this.plans();
    if (plans.length === 0) return report;
    const checkers = this.checkers;
    if (!checkers) {
      isolateLogger.warn("uptime tests not run: the HOST_CHECKER Durable Object binding is missing", { apis: plans.map((plan) => plan.apiId) });
      return report;
    }
    const outcomes = await Promise.allSettled(plans.map((plan) => checkers.get(checkers.idFromName(plan.apiId)).arm(plan, checkerLeaseMs)));
    outcomes.forEach((outcome, index) => {
      const apiId = plans[index]!.apiId;
      if (outcome.status === "fulfilled") report.armed.push(apiId);
      else {
        report.failed.push(apiId);
        isolateLogger.error("uptime checker could not be armed", { api_id: apiId, error: outcome.reason });
      }
    });
    return report;
  }

  private async plans(): Promise<CheckerPlan[]> {
    const version = await this.store.getConfigVersion();
    if (this.cached?.version === version) return this.cached.plans;
    const documents = await this.store.getAll("apis");
    const plans = new Map<string, CheckerPlan>();
    for (const document of documents.values()) {
      const plan = planFor(document, this.settings, this.analyticsOn);
      if (plan) plans.set(plan.apiId, plan);
    }
    this.cached = { version, plans: [...plans.values()] };
    return this.cached.plans;
  }
}
