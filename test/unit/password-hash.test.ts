import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/auth/password-hash";

describe("basic auth password hashes", () => {
  it("round-trips PBKDF2-SHA256 with a fresh salt each time", async () => {
    const first = await hashPassword("secret", "pbkdf2-sha256");
    const second = await hashPassword("secret", "pbkdf2-sha256");
    expect(first.password).not.toBe(second.password);
    expect(await verifyPassword(first, "secret")).toBe(true);
    expect(await verifyPassword(first, "Secret")).toBe(false);
  });

  it("verifies bcrypt hashes written by other implementations (OpenBSD test vectors)", async () => {
    expect(await verifyPassword({ password: "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.", hash_type: "bcrypt" }, "")).toBe(true);
    expect(await verifyPassword({ password: "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", hash_type: "bcrypt" }, "a")).toBe(true);
    expect(await verifyPassword({ password: "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", hash_type: "bcrypt" }, "b")).toBe(false);
  });

  it("checks anything Tyk does not know as bcrypt, and refuses garbage", async () => {
    expect(await verifyPassword({ password: "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe", hash_type: "whatever" }, "a")).toBe(true);
    expect(await verifyPassword({ password: "not-a-hash", hash_type: "bcrypt" }, "a")).toBe(false);
    expect(await verifyPassword({ password: "$pbkdf2-sha256$i=999999999$AA==$AA==", hash_type: "pbkdf2-sha256" }, "a")).toBe(false);
  });

  it("compares sha256 and plain-text passwords exactly", async () => {
    const sha = await hashPassword("pw", "sha256");
    expect(sha.password).toBe("30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
    expect(await verifyPassword(sha, "pw")).toBe(true);
    expect(await verifyPassword({ password: "pw", hash_type: "" }, "pw")).toBe(true);
    expect(await verifyPassword({ password: "pw", hash_type: "" }, "pw ")).toBe(false);
  });
});
