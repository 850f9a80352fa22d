import { afterAll, describe, expect, it } from "vitest";
import { gateway } from "../support/gateway";
import { startRedis, stopRedis } from "./support/upstash";

interface Health {
  status: string;
  details: { redis: { status: string; componentType: string; output?: string } };
}

/** Longer than TYK_GW_LIVENESSCHECK_CHECKDURATION in vitest.integration.config.ts, so /hello checks the store again. */
const pastCachedCheck = () => new Promise((resolve) => setTimeout(resolve, 300));

async function hello(): Promise<{ status: number; body: Health }> {
  const response = await gateway("/hello");
  return { status: response.status, body: (await response.json()) as Health };
}

describe("/hello on the Upstash backend", () => {
  afterAll(startRedis);

  it("passes while Redis answers", async () => {
    const { status, body } = await hello();
    expect(status).toBe(200);
    expect(body.status).toBe("pass");
    expect(body.details.redis).toMatchObject({ status: "pass", componentType: "datastore" });
    expect(body.details.redis.output).toBeUndefined();
  });

  it("fails with Tyk's Redis message, still HTTP 200, once redis-server is stopped", async () => {
    await stopRedis();
    await pastCachedCheck();
    const { status, body } = await hello();
    expect(status).toBe(200);
    expect(body.status).toBe("fail");
    expect(body.details.redis).toMatchObject({
      status: "fail",
      componentType: "datastore",
      output: "storage: Redis is either down or was not configured",
    });
  });

  it("passes again once redis-server is back, without restarting the gateway", async () => {
    await startRedis();
    await pastCachedCheck();
    const { status, body } = await hello();
    expect(status).toBe(200);
    expect(body.status).toBe("pass");
  });
});
