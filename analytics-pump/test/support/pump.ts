import { createExecutionContext, createMessageBatch, env, getQueueResult, type QueueResult } from "cloudflare:test";
import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import worker from "../../src/index";

export const queueName = "portcullis-analytics";

export interface Delivery {
  id: string;
  body: unknown;
  attempts?: number;
}

/** Queue messages carrying these records (of either kind); the message id is the record id. */
export function deliveriesOf(records: readonly { id: string }[], attempts = 1): Delivery[] {
  return records.map((record) => ({ id: record.id, body: record, attempts }));
}

/** Hands one batch to the pump's queue handler, as Queues would, with extra vars if given. */
export async function deliver(deliveries: Delivery[], vars: Record<string, string> = {}): Promise<QueueResult> {
  const batch = createMessageBatch(
    queueName,
    deliveries.map((delivery) => ({ id: delivery.id, timestamp: new Date(), attempts: delivery.attempts ?? 1, body: delivery.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, Object.keys(vars).length > 0 ? { ...env, ...vars } : env);
  return getQueueResult(batch, ctx);
}

/** How many of these record ids the D1 table holds, counting duplicates. */
export async function storedInD1(ids: string[], table: "tyk_analytics" | "tyk_uptime_analytics" = "tyk_analytics"): Promise<number> {
  let total = 0;
  for (let offset = 0; offset < ids.length; offset += 500) {
    const chunk = JSON.stringify(ids.slice(offset, offset + 500));
    const row = await env.ANALYTICS_DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE id IN (SELECT value FROM json_each(?1))`)
      .bind(chunk)
      .first<{ n: number }>();
    total += row?.n ?? 0;
  }
  return total;
}

export interface Totals {
  hits: number;
  success: number;
  errors: number;
  total_requesttime: number;
}

/** Aggregate totals for APIs whose id starts with the prefix, from the hourly table named. */
export async function aggregateTotals(table: "tyk_analytics_hourly_api" | "tyk_analytics_hourly_key", apiPrefix: string): Promise<Totals> {
  const row = await env.ANALYTICS_DB.prepare(
    `SELECT coalesce(sum(hits), 0) AS hits, coalesce(sum(success), 0) AS success, coalesce(sum(errors), 0) AS errors,
       coalesce(sum(total_requesttime), 0) AS total_requesttime FROM ${table} WHERE apiid LIKE ?1 || '%'`,
  )
    .bind(apiPrefix)
    .first<Totals>();
  return row!;
}

/** The same totals computed from raw records, to compare aggregates against. */
export function expectedTotals(records: AnalyticsRecord[]): Totals {
  return {
    hits: records.length,
    success: records.filter((record) => record.response_code < 400).length,
    errors: records.filter((record) => record.response_code >= 400).length,
    total_requesttime: records.reduce((sum, record) => sum + record.request_time, 0),
  };
}

/** Bodies the pump put on the dead-letter queue so far. */
export async function deadLettered(): Promise<unknown[]> {
  const response = await env.QUEUE_CAPTURE.fetch("http://capture/messages?queue=portcullis-analytics-dlq");
  return ((await response.json()) as { body: unknown }[]).map((message) => message.body);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
