import { describe, expect, it } from "vitest";
import { gateway } from "../support/gateway";

describe("/hello", () => {
  it("reports pass with the store as a datastore component", async () => {
    const response = await gateway("/hello");
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      status: string;
      description: string;
      details: { redis: { status: string; componentType: string; time: string } };
    };
    expect(body.status).toBe("pass");
    expect(body.details.redis.status).toBe("pass");
    expect(body.details.redis.componentType).toBe("datastore");
    expect(body.details.redis.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("refuses other methods with 405", async () => {
    const response = await gateway("/hello", { method: "POST" });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ status: "error", message: "Method Not Allowed" });
  });
});
