import { Redis } from "@upstash/redis/cloudflare";
import { beforeEach, describe, expect, it } from "vitest";
import { flushRedis, pipeline, rest, upstashToken, upstashUrl } from "./support/upstash";

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

async function call(command: (string | number)[], encoded = true): Promise<{ status: number; body: unknown }> {
  const response = await rest("/", command, { base64: encoded });
  return { status: response.status, body: await response.json() };
}

describe("Upstash REST adapter over a real redis-server", () => {
  beforeEach(flushRedis);

  describe("single commands", () => {
    it("answers plain JSON results without Upstash-Encoding", async () => {
      expect(await call(["SET", "greeting", "hello"], false)).toEqual({ status: 200, body: { result: "OK" } });
      expect(await call(["GET", "greeting"], false)).toEqual({ status: 200, body: { result: "hello" } });
      expect(await call(["PING"], false)).toEqual({ status: 200, body: { result: "PONG" } });
    });

    it("base64-encodes bulk and status strings but leaves OK, integers and nil alone", async () => {
      expect((await call(["SET", "greeting", "héllo ✓"])).body).toEqual({ result: "OK" });
      expect((await call(["GET", "greeting"])).body).toEqual({ result: base64("héllo ✓") });
      expect((await call(["PING"])).body).toEqual({ result: base64("PONG") });
      expect((await call(["INCR", "counter"])).body).toEqual({ result: 1 });
      expect((await call(["STRLEN", "greeting"])).body).toEqual({ result: new TextEncoder().encode("héllo ✓").length });
      expect((await call(["GET", "missing"])).body).toEqual({ result: null });
    });

    it("base64-encodes strings nested in arrays and keeps nil entries", async () => {
      await pipeline([
        ["SET", "a", "1"],
        ["SET", "b", "two"],
      ]);
      expect((await call(["MGET", "a", "missing", "b"])).body).toEqual({ result: [base64("1"), null, base64("two")] });
      expect((await call(["SCAN", "0", "MATCH", "a", "COUNT", 100])).body).toEqual({ result: [base64("0"), [base64("a")]] });
    });

    it("returns bytes that are not UTF-8 exactly in base64 mode", async () => {
      await call(["SET", "source", "a"]);
      expect((await call(["BITOP", "NOT", "inverted", "source"])).body).toEqual({ result: 1 });
      expect((await call(["GET", "inverted"])).body).toEqual({ result: btoa(String.fromCharCode(0x9e)) });
    });

    it("answers Redis errors with HTTP 400 and the Redis message", async () => {
      await call(["SET", "word", "abc"]);
      expect(await call(["INCR", "word"])).toEqual({ status: 400, body: { error: "ERR value is not an integer or out of range" } });
      const unknown = await call(["NOSUCHCOMMAND", "x"]);
      expect(unknown.status).toBe(400);
      expect((unknown.body as { error: string }).error).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
    });

    it("rejects a body that is not a command array with HTTP 400", async () => {
      const notJson = await rest("/", "not json");
      expect(notJson.status).toBe(400);
      expect(await notJson.json()).toEqual({ error: "ERR failed to parse the request body as JSON" });
      const empty = await rest("/", []);
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as { error: string }).error).toMatch(/^ERR invalid command/);
    });
  });

  describe("authorization", () => {
    it("answers 401 without a token or with a wrong one, and runs nothing", async () => {
      const missing = await rest("/", ["SET", "intruder", "1"], { token: null });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toEqual({ error: "Unauthorized" });
      expect((await rest("/", ["SET", "intruder", "1"], { token: `${upstashToken()}x` })).status).toBe(401);
      expect((await call(["EXISTS", "intruder"])).body).toEqual({ result: 0 });
    });
  });

  describe("/pipeline", () => {
    it("runs every command in order and reports each result or error", async () => {
      const response = await rest(
        "/pipeline",
        [
          ["SET", "k", "v"],
          ["INCR", "k"],
          ["GET", "k"],
          ["DEL", "k"],
        ],
        { base64: true },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([
        { result: "OK" },
        { error: "ERR value is not an integer or out of range" },
        { result: base64("v") },
        { result: 1 },
      ]);
    });
  });

  describe("/multi-exec", () => {
    it("runs the commands in a transaction and reports each result or error", async () => {
      const response = await rest(
        "/multi-exec",
        [
          ["SET", "k", "v"],
          ["INCR", "k"],
          ["APPEND", "k", "w"],
          ["GET", "k"],
        ],
        { base64: true },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([
        { result: "OK" },
        { error: "ERR value is not an integer or out of range" },
        { result: 2 },
        { result: base64("vw") },
      ]);
    });

    it("discards the whole transaction with HTTP 400 when a command cannot be queued", async () => {
      const response = await rest("/multi-exec", [["SET", "k", "v"], ["NOSUCHCOMMAND"]]);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/^EXECABORT/);
      expect((await call(["EXISTS", "k"])).body).toEqual({ result: 0 });
    });
  });

  describe("with the @upstash/redis client and its defaults", () => {
    const client = () => new Redis({ url: upstashUrl(), token: upstashToken(), enableTelemetry: false });

    it("round-trips values, pipelines and transactions", async () => {
      const redis = client();
      expect(await redis.set("document", { name: "ünïcode", count: 3 })).toBe("OK");
      expect(await redis.get("document")).toEqual({ name: "ünïcode", count: 3 });
      expect(await redis.ping()).toBe("PONG");
      expect(await redis.pipeline().set("p", "x").incr("n").get("p").exec()).toEqual(["OK", 1, "x"]);
      expect(await redis.multi().incr("n").incr("n").exec()).toEqual([2, 3]);
    });

    it("surfaces Redis errors as thrown errors", async () => {
      const redis = client();
      await redis.set("word", "abc");
      await expect(redis.incr("word")).rejects.toThrow("ERR value is not an integer or out of range");
    });
  });
});
