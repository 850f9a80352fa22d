import { DurableObject } from "cloudflare:workers";
import type { UptimeRecord } from "../contract/uptime-record";
import { type ApiEvents, compileEventHandlers } from "../events/handlers";
import type { EventMessage } from "../events/message";
import { hostStatusMeta } from "../events/meta";
import { isolateLogger, type Logger } from "../lib/logger";
import type { CheckerPlan } from "./plan";
import { passed, type ProbeResult, probe } from "./probe";
import { uptimeRecord } from "./record";
import { type Sample, sampleFailure, sampleSuccess } from "./samples";

/*
 * One HostChecker object per API with uptime tests, named after the API id.
 * An alarm runs the API's checks every interval (Tyk's uptime tests run more
 * often than a Cron Trigger can fire); the cron only (re)arms it with the
 * current plan and a lease. A checker whose lease runs out (its API was
 * removed, or its tests disabled) deletes its storage and stops.
 *
 * Host status follows Tyk's host checker manager: a host is down from the
 * failure that reaches the sample size, for `interval × sample size` after
 * the last failure (Tyk's Redis TTL), until the successes that bring it up.
 * Isolates read it with `downHosts()`, an in-memory read.
 */

/** Storage keys (SQLite-backed synchronous KV). */
export const checkerKeys = { plan: "plan", leaseUntil: "lease_until", samples: "samples", down: "down" } as const;

const maxMessagesPerBatch = 100;

function isQueue<Body>(value: unknown): value is Queue<Body> {
  return typeof value === "object" && value !== null && "sendBatch" in value;
}

export class HostChecker extends DurableObject<Record<string, unknown>> {
  private plan: CheckerPlan | undefined;
  /** Tyk's failure samples, by check URL. */
  private samples: Record<string, Sample>;
  /** Down hosts and until when the mark holds without a further failure. */
  private down: Record<string, number>;
  /** The plan's HostDown / HostUp handlers, compiled when the plan changes. */
  private events: { plan: CheckerPlan; handlers: ApiEvents | undefined } | undefined;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    const kv = ctx.storage.kv;
    this.plan = kv.get<CheckerPlan>(checkerKeys.plan);
    this.samples = kv.get<Record<string, Sample>>(checkerKeys.samples) ?? {};
    this.down = kv.get<Record<string, number>>(checkerKeys.down) ?? {};
  }

  /** Keeps the checker running `leaseMs` longer with this plan; the first checks run one interval later, as Tyk's ticker does. */
  async arm(plan: CheckerPlan, leaseMs: number): Promise<void> {
    const kv = this.ctx.storage.kv;
    if (JSON.stringify(plan) !== JSON.stringify(this.plan)) {
      this.plan = plan;
      kv.put(checkerKeys.plan, plan);
      this.forgetUnchecked(plan);
    }
    kv.put(checkerKeys.leaseUntil, Date.now() + leaseMs);
    const alarm = await this.ctx.storage.getAlarm();
    const next = Date.now() + plan.intervalMs;
    if (alarm === null || alarm > next) await this.ctx.storage.setAlarm(next);
  }

  /** Hosts currently marked down. */
  downHosts(): string[] {
    const now = Date.now();
    return Object.entries(this.down)
      .filter(([, until]) => until > now)
      .map(([host]) => host);
  }

  override async alarm(): Promise<void> {
    const plan = this.plan;
    const leaseUntil = this.ctx.storage.kv.get<number>(checkerKeys.leaseUntil) ?? 0;
    if (!plan || Date.now() >= leaseUntil) return this.stop();
    await this.ctx.storage.setAlarm(Date.now() + plan.intervalMs);
    const results = await Promise.all(plan.checks.map(probe));
    const log = isolateLogger.with({ api_id: plan.apiId });
    // An arm with a new plan may have come in while the checks ran: results for URLs it dropped are not kept.
    const current = new Set(this.plan?.checks.map((check) => check.url));
    const kept = results.filter((result) => current.has(result.check.url));
    const notices: Promise<unknown>[] = [];
    for (const result of kept) this.sample(result, plan, log, notices);
    await Promise.all(notices);
    this.ctx.storage.kv.put(checkerKeys.samples, this.samples);
    this.ctx.storage.kv.put(checkerKeys.down, this.down);
    if (plan.recordAnalytics) await this.send(results, plan, log);
  }

  private sample(result: ProbeResult, plan: CheckerPlan, log: Logger, notices: Promise<unknown>[]): void {
    const { url, host } = result.check;
    const { sample, verdict } = passed(result) ? sampleSuccess(this.samples[url]) : sampleFailure(this.samples[url], plan.sampleSize);
    if (sample) this.samples[url] = sample;
    else delete this.samples[url];
    const fields = { check_url: url, host, response_code: result.responseCode, tcp_error: result.tcpError, latency_ms: result.latencyMs };
    if (verdict === "down") {
      this.down[host] = Date.now() + plan.intervalMs * plan.sampleSize;
      log.warn("Uptime test failed", { event: "HostDown", ...fields });
      this.handlersFor(plan)?.raise({ log, waitUntil: (promise) => void notices.push(promise) }, "HostDown", hostStatusMeta(true, result.check, result));
    } else if (verdict === "up") {
      delete this.down[host];
      log.info("Uptime test succeeded", { event: "HostUp", ...fields });
      this.handlersFor(plan)?.raise({ log, waitUntil: (promise) => void notices.push(promise) }, "HostUp", hostStatusMeta(false, result.check, result));
    }
  }

  private async send(results: ProbeResult[], plan: CheckerPlan, log: Logger): Promise<void> {
    const queue = this.env["ANALYTICS_QUEUE"];
    if (!isQueue<UptimeRecord>(queue)) return;
    const at = new Date();
    const records = results.map((result) => ({ body: uptimeRecord(result, plan, at), contentType: "json" as const }));
    for (let start = 0; start < records.length; start += maxMessagesPerBatch) {
      const batch = records.slice(start, start + maxMessagesPerBatch);
      try {
        await queue.sendBatch(batch);
      } catch (error) {
        log.error("uptime records dropped: the queue send failed", { records: batch.length, error });
      }
    }
  }

  private handlersFor(plan: CheckerPlan): ApiEvents | undefined {
    if (this.events?.plan !== plan) {
      const queue = this.env["EVENTS"];
      // A plan armed before event handlers were planned has none.
      const config = plan.eventHandlers ?? { events: {} };
      this.events = { plan, handlers: compileEventHandlers(config, plan.apiId, isQueue<EventMessage>(queue) ? queue : undefined).events };
    }
    return this.events.handlers;
  }

  /** Drops samples and down marks of URLs and hosts the new plan no longer checks. */
  private forgetUnchecked(plan: CheckerPlan): void {
    const urls = new Set(plan.checks.map((check) => check.url));
    const hosts = new Set(plan.checks.map((check) => check.host));
    this.samples = Object.fromEntries(Object.entries(this.samples).filter(([url]) => urls.has(url)));
    this.down = Object.fromEntries(Object.entries(this.down).filter(([host]) => hosts.has(host)));
    this.ctx.storage.kv.put(checkerKeys.samples, this.samples);
    this.ctx.storage.kv.put(checkerKeys.down, this.down);
  }

  private async stop(): Promise<void> {
    if (this.plan) isolateLogger.info("uptime checker stopped: its API no longer has uptime tests", { api_id: this.plan.apiId });
    this.plan = undefined;
    this.samples = {};
    this.down = {};
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
