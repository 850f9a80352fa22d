import { expect, it } from "vitest";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { deliver, deliveriesOf, storedInD1 } from "../support/pump";
import { idList, storedInPostgres } from "./support/stores";

/*
 * Retention: rows whose `expireAt` has passed are deleted, a bounded number
 * per table at a time (D1 with every batch; PostgreSQL on an isolate's first
 * batch and then once a minute, so this file's first write is the one tested).
 */
it("deletes expired rows in PostgreSQL and D1, and keeps the others", async () => {
  const org = `retention${Date.now()}`;
  const expired = [0, 1].map((index) => sampleRecord(index, { org_id: org, expireAt: new Date(Date.now() - 60_000).toISOString() }));
  const kept = [2, 3].map((index) => sampleRecord(index, { org_id: org }));
  await deliver(deliveriesOf([...expired, ...kept]));
  expect(await storedInPostgres(idList(expired))).toBe(0);
  expect(await storedInPostgres(idList(kept))).toBe(2);
  expect(await storedInD1(idList(expired))).toBe(0);
  expect(await storedInD1(idList(kept))).toBe(2);
});
