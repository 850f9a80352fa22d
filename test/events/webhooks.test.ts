import { beforeAll, describe, expect, it } from "vitest";
import { gateway, loadApis } from "../support/gateway";
import { deadLettered, failNext, protectedApi, received, waitForCalls, webhook } from "./support";

/*
 * Webhook delivery through the real EVENTS queue (Miniflare), consumed by the
 * gateway Worker itself, to a loopback receiver: retries, dead letters, the
 * event_timeout cooldown, method, headers and body templates.
 */

const unknownKey = (suffix: string) => `not-a-stored-key-${suffix}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe("webhook handlers", () => {
  beforeAll(async () => {
    await loadApis(
      protectedApi("hooked", { AuthFailure: [webhook("default", { header_map: { "X-Hook-Secret": "s3cret" } })] }),
      protectedApi("templated", {
        AuthFailure: [
          webhook("templated", { method: "put", body_template: "{{.Type}} {{.Meta.Key}} {{.Meta.Path}}", header_map: { "Content-Type": "text/plain" } }),
        ],
      }),
      protectedApi("retried", { AuthFailure: [webhook("retried")] }),
      protectedApi("dead", { AuthFailure: [webhook("dead")] }),
      protectedApi("cooled", { AuthFailure: [webhook("cooled", { event_timeout: 60 })] }),
      protectedApi("uncooled", { AuthFailure: [webhook("uncooled")] }),
      protectedApi("elsewhere", { HostDown: [webhook("elsewhere")] }),
    );
  });

  it("sends Tyk's default body to target_path with header_map, the Tyk-Hookshot agent and JSON content type", async () => {
    const response = await gateway("/hooked/x", { headers: { authorization: unknownKey("a1b2"), "cf-connecting-ip": "203.0.113.9" } });
    expect(response.status).toBe(403);
    const [call] = await waitForCalls("default", 1);
    expect(call?.method).toBe("POST");
    expect(call?.headers["x-hook-secret"]).toBe("s3cret");
    expect(call?.headers["user-agent"]).toBe("Tyk-Hookshot");
    expect(call?.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(call?.body ?? "{}") as Record<string, string>;
    expect(body).toMatchObject({
      event: "AuthFailure",
      message: "Attempted access with non-existent key.",
      path: "/hooked/x",
      origin: "203.0.113.9",
      key: "****a1b2",
    });
  });

  it("renders body_template with the method given, keeping a Content-Type from header_map", async () => {
    await gateway("/templated/y", { headers: { authorization: unknownKey("wxyz") } });
    const [call] = await waitForCalls("templated", 1);
    expect(call?.method).toBe("PUT");
    expect(call?.headers["content-type"]).toBe("text/plain");
    expect(call?.body).toBe("AuthFailure ****wxyz /templated/y");
  });

  it("raises nothing when the request carries no key (Tyk's AuthFailure is for refused credentials)", async () => {
    expect((await gateway("/hooked/missing")).status).toBe(401);
    await settle();
    expect((await received("default")).filter((call) => call.body.includes("/hooked/missing"))).toEqual([]);
  });

  it("does not call a webhook registered for another event", async () => {
    expect((await gateway("/elsewhere/x", { headers: { authorization: unknownKey("1111") } })).status).toBe(403);
    await settle();
    expect(await received("elsewhere")).toEqual([]);
  });

  it("retries a webhook that failed, after the back-off delay", async () => {
    await failNext("retried", 1);
    const sentAt = Date.now();
    await gateway("/retried/x", { headers: { authorization: unknownKey("r001") } });
    const calls = await waitForCalls("retried", 2);
    expect(calls.map((call) => call.status)).toEqual([500, 200]);
    expect(calls[0]?.body).toBe(calls[1]?.body);
    // PORTCULLIS_EVENT_RETRY_SECONDS is 1 in the tests.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
  });

  it("moves a webhook that keeps failing to the dead-letter queue after max_retries", async () => {
    await failNext("dead", 100);
    await gateway("/dead/x", { headers: { authorization: unknownKey("d001") } });
    // One attempt and two retries (max_retries is 2 in the tests), one and two seconds apart.
    const calls = await waitForCalls("dead", 3, 8_000);
    expect(calls.map((call) => call.status)).toEqual([500, 500, 500]);
    const deadline = Date.now() + 3_000;
    let dead = await deadLettered();
    while (!dead.some((message) => message.body.apiId === "dead") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      dead = await deadLettered();
    }
    expect(dead.find((message) => message.body.apiId === "dead")?.body).toMatchObject({
      event: "AuthFailure",
      webhook: { url: expect.stringContaining("/hooks/dead") },
    });
    await settle();
    expect(await received("dead")).toHaveLength(3);
  });

  it("suppresses the same webhook request within event_timeout, but not a different one", async () => {
    // Repeats in one batch, then a repeat after the first was sent (the cooldown entry in the Cache API).
    for (let i = 0; i < 3; i++) await gateway("/cooled/x", { headers: { authorization: unknownKey("same") } });
    await waitForCalls("cooled", 1);
    await settle();
    await gateway("/cooled/x", { headers: { authorization: unknownKey("same") } });
    await gateway("/cooled/x", { headers: { authorization: unknownKey("diff") } });
    await waitForCalls("cooled", 2);
    await settle();
    const keys = (await received("cooled")).map((call) => (JSON.parse(call.body) as { key: string }).key);
    expect(keys).toEqual(["****same", "****diff"]);
  });

  it("sends every repeat when event_timeout is 0", async () => {
    for (let i = 0; i < 3; i++) await gateway("/uncooled/x", { headers: { authorization: unknownKey("same") } });
    expect(await waitForCalls("uncooled", 3)).toHaveLength(3);
  });
});
