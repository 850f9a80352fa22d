import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configVersionKey, storageKey, type DocumentKind } from "../../src/store/store";
import { flushRedis, pipeline, upstashStore } from "./support/upstash";

const kinds: DocumentKind[] = ["apis", "policies", "keys", "certs", "oauth-clients", "cache-generations"];

describe("UpstashStore against a real Redis", () => {
  const store = upstashStore();

  describe("documents", () => {
    beforeEach(flushRedis);

    it("returns null for a document that was never stored", async () => {
      expect(await store.get("apis", "absent")).toBeNull();
    });

    it("stores, overwrites and reads back JSON documents", async () => {
      await store.put("apis", "one", { api_id: "one", name: "First", nested: { list: [1, "two", null] } });
      expect(await store.get("apis", "one")).toEqual({ api_id: "one", name: "First", nested: { list: [1, "two", null] } });
      await store.put("apis", "one", { api_id: "one", name: "Renamed" });
      expect(await store.get("apis", "one")).toEqual({ api_id: "one", name: "Renamed" });
    });

    it("writes under the shared key layout, so kv-seed and operators find the documents", async () => {
      await store.put("keys", "abc123", { org_id: "default" });
      const [raw] = await pipeline([["GET", storageKey("keys", "abc123")]]);
      expect(JSON.parse(String(raw))).toEqual({ org_id: "default" });
    });

    it("keeps kinds apart under the same id", async () => {
      await store.put("apis", "shared", { kind: "api" });
      await store.put("policies", "shared", { kind: "policy" });
      expect(await store.get("apis", "shared")).toEqual({ kind: "api" });
      expect(await store.get("policies", "shared")).toEqual({ kind: "policy" });
      expect(await store.get("keys", "shared")).toBeNull();
    });

    it("keeps ids and values that look like other JSON types as they are", async () => {
      for (const id of ["12345", "true", "null", "ключ ✓:with spaces"]) await store.put("keys", id, { id });
      expect((await store.listIds("keys")).sort()).toEqual(["12345", "null", "true", "ключ ✓:with spaces"]);
      expect(await store.get("keys", "12345")).toEqual({ id: "12345" });
      await store.put("policies", "scalar", "42");
      expect(await store.get("policies", "scalar")).toBe("42");
    });

    it("deletes a document and reports whether there was one", async () => {
      await store.put("policies", "gone", { id: "gone" });
      expect(await store.delete("policies", "gone")).toBe(true);
      expect(await store.get("policies", "gone")).toBeNull();
      expect(await store.delete("policies", "gone")).toBe(false);
      expect(await store.delete("keys", "never-there")).toBe(false);
    });
  });

  describe("listing more than one SCAN page", () => {
    const perKind = 1_250;
    const idOf = (kind: DocumentKind, index: number) => `${kind}-${String(index).padStart(5, "0")}`;

    beforeAll(async () => {
      await flushRedis();
      const commands: string[][] = [
        ["SET", "unrelated:apis-1", "{}"],
        ["SET", configVersionKey, "7"],
      ];
      for (const kind of kinds) {
        for (let index = 0; index < perKind; index++) {
          commands.push(["SET", storageKey(kind, idOf(kind, index)), JSON.stringify({ kind, index })]);
        }
      }
      for (let start = 0; start < commands.length; start += 500) await pipeline(commands.slice(start, start + 500));
    });

    it.each(kinds)("lists every %s id exactly once, and only that kind's", async (kind) => {
      const ids = await store.listIds(kind);
      expect(ids).toHaveLength(perKind);
      expect(ids.sort()).toEqual(Array.from({ length: perKind }, (_, index) => idOf(kind, index)));
    });

    it.each(kinds)("reads every %s document with getAll", async (kind) => {
      const all = await store.getAll(kind);
      expect(all.size).toBe(perKind);
      for (const index of [0, 99, 100, 999, 1000, perKind - 1]) {
        expect(all.get(idOf(kind, index))).toEqual({ kind, index });
      }
    });

    it("no longer lists or reads a deleted document", async () => {
      expect(await store.delete("apis", idOf("apis", 5))).toBe(true);
      expect(await store.listIds("apis")).not.toContain(idOf("apis", 5));
      const all = await store.getAll("apis");
      expect(all.size).toBe(perKind - 1);
      expect(all.has(idOf("apis", 5))).toBe(false);
    });
  });

  describe("config version", () => {
    beforeEach(flushRedis);

    it("starts at 0 and moves up by one per bump", async () => {
      expect(await store.getConfigVersion()).toBe("0");
      expect(await store.bumpConfigVersion()).toBe("1");
      expect(await store.bumpConfigVersion()).toBe("2");
      expect(await store.getConfigVersion()).toBe("2");
    });

    it("gives concurrent bumps distinct, increasing versions", async () => {
      const versions = await Promise.all(Array.from({ length: 20 }, () => store.bumpConfigVersion()));
      expect(versions.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      expect(await store.getConfigVersion()).toBe("20");
    });
  });

  describe("ping", () => {
    it("resolves while Redis answers", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("rejects when the token is wrong", async () => {
      await expect(upstashStore("wrong-token").ping()).rejects.toThrow("Unauthorized");
    });
  });
});
