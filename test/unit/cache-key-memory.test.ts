import { describe, expect, it } from "vitest";
import { MemoryTier, memoryEntryMaxBytes, type RememberedAnswer } from "../../src/cache/memory-tier";

const answer = (bytes: number, expiresAt = Number.MAX_SAFE_INTEGER): RememberedAnswer => ({
  status: 200,
  statusText: "OK",
  headers: [["content-type", "text/plain"]],
  body: new Uint8Array(bytes),
  expiresAt,
});

describe("the response cache's memory tier", () => {
  it("serves an entry until its expiry, then forgets it", () => {
    const memory = new MemoryTier();
    memory.set("a", answer(10, 1_000));
    expect(memory.get("a", 999)?.body.byteLength).toBe(10);
    expect(memory.get("a", 1_000)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it("keeps no body larger than its entry limit", () => {
    const memory = new MemoryTier();
    memory.set("big", answer(memoryEntryMaxBytes + 1));
    expect(memory.get("big")).toBeUndefined();
  });

  it("forgets the least recently used entries once its byte budget is spent", () => {
    // Each entry counts its body, its key (2 bytes a character) and 1 KiB: three with 1 KiB bodies fit, a fourth does not.
    const memory = new MemoryTier(3 * (1024 + 2 + 1024));
    for (const url of ["a", "b", "c"]) memory.set(url, answer(1024));
    memory.get("a");
    memory.set("d", answer(1024));
    expect(memory.get("b")).toBeUndefined();
    expect(memory.get("a")).toBeDefined();
    expect(memory.get("c")).toBeDefined();
    expect(memory.get("d")).toBeDefined();
  });

  it("replaces an entry stored again under the same URL", () => {
    const memory = new MemoryTier();
    memory.set("a", answer(1));
    memory.set("a", answer(2));
    expect(memory.get("a")?.body.byteLength).toBe(2);
    expect(memory.size).toBe(1);
  });
});
