import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { migrateD1 } from "../../src/sinks/d1";
import { aggregateTotals, deadLettered, expectedTotals, sleep, storedInD1 } from "../support/pump";
import { clickhouse, control, idList, int, postgresApiTotals, storedInClickHouse, storedInPostgres } from "./support/stores";

/**
 * 10,000 records through the real queue into D1, Postgres and ClickHouse at
 * once, with Postgres and then ClickHouse stopped mid-run and one invalid
 * message among them. Every valid record must land exactly once in every
 * sink, the invalid one only in the dead-letter queue.
 */
it("stores 10k records exactly once in every sink across sink outages", { timeout: 300_000 }, async () => {
  const prefix = `run${Date.now()}`;
  const records = Array.from({ length: 10_000 }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` }));
  const ids = idList(records);
  const poison = { ...records[0]!, id: `${prefix}-poison`, timestamp: "yesterday" };
  await migrateD1(env.ANALYTICS_DB);

  const send = async (from: number, to: number) => {
    for (let offset = from; offset < to; offset += 100) {
      await env.ANALYTICS_QUEUE.sendBatch(records.slice(offset, Math.min(offset + 100, to)).map((body) => ({ body, contentType: "json" as const })));
    }
  };
  await send(0, 2_000);
  await control("postgres", "stop");
  await send(2_000, 4_000);
  await env.ANALYTICS_QUEUE.send(poison, { contentType: "json" });
  await sleep(1_500);
  await control("postgres", "start");
  await send(4_000, 6_000);
  await control("clickhouse", "stop");
  await send(6_000, 8_000);
  await sleep(1_500);
  await control("clickhouse", "start");
  await send(8_000, 10_000);

  const deadline = Date.now() + 240_000;
  const complete = async () =>
    (await storedInPostgres(ids)) === 10_000 && (await storedInClickHouse(prefix)).exact === 10_000 && (await storedInD1(ids)) === 10_000;
  while (Date.now() < deadline && !(await complete())) await sleep(500);
  await sleep(3_000);

  expect(await storedInD1(ids)).toBe(10_000);
  expect(await storedInPostgres(ids)).toBe(10_000);
  expect(await storedInClickHouse(prefix)).toMatchObject({ exact: 10_000, distinct: 10_000 });

  const expected = expectedTotals(records);
  expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expected);
  expect(await postgresApiTotals(prefix)).toEqual(expected);
  const [clickHouse] = await clickhouse<Record<string, string>>(
    `SELECT sum(hits) AS hits, sum(success) AS success, sum(errors) AS errors, sum(total_requesttime) AS total_requesttime FROM tyk_analytics_hourly_api WHERE startsWith(apiid, '${prefix}')`,
  );
  expect(Object.fromEntries(Object.entries(clickHouse!).map(([name, value]) => [name, int(value)]))).toEqual(expected);

  const dead = (await deadLettered()).filter((body) => String((body as { id?: string }).id).startsWith(prefix));
  expect(dead).toEqual([poison]);
});
