import { describe, expect, it } from "vitest";
import { freePort } from "../integration/support/harness";
import { startRedisServer } from "../integration/support/redis-server";
import { RespConnection } from "../support/resp-client";
import { startUpstashAdapter } from "../support/upstash-adapter";
import { runCli, seedDir } from "../node/kv-seed/support";
import { expectedDocuments, goodFiles } from "../node/kv-seed/fixtures";

describe("kv-seed against Upstash (real Redis behind the REST adapter)", () => {
  it("writes to Upstash in one transaction and increments the config version the gateway increments on reload", async () => {
    const redis = await startRedisServer(await freePort());
    const token = "kv-seed-test-token";
    const adapter = await startUpstashAdapter({ redisPort: redis.port, token });
    const connection = await RespConnection.open(redis.port);
    try {
      const dir = await seedDir(goodFiles);
      const env = { UPSTASH_REDIS_REST_URL: adapter.url, UPSTASH_REDIS_REST_TOKEN: token, TYK_GW_STORAGE_TYPE: "upstash" };

      const first = await runCli([dir, "--target", "upstash"], env);
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("wrote 5 entries to Upstash Redis");
      expect(first.stdout).toContain("config version is now 1");

      const keys = Object.keys(expectedDocuments);
      const replies = await connection.send([
        ["MGET", ...keys],
        ["GET", "portcullis:config-version"],
      ]);
      const values = (replies[0] as Buffer[]).map((value) => JSON.parse(value.toString("utf8")) as unknown);
      expect(Object.fromEntries(keys.map((key, index) => [key, values[index]]))).toEqual(expectedDocuments);
      expect(String(replies[1])).toBe("1");

      const second = await runCli([dir, "--target", "upstash"], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("config version is now 2");
    } finally {
      connection.close();
      await adapter.close();
      await redis.dispose();
    }
  });
});
