import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, gateway, keylessApi, loadApis, tykError } from "../support/gateway";

const versions = {
  v1: { name: "v1", expires: "" },
  v2: { name: "v2", expires: "2000-01-01 00:00", use_extended_paths: true, extended_paths: {} },
  v3: { name: "v3", expires: "3000-01-01 00:00", override_target: "" },
};

async function expectError(response: Response, status: number, message: string) {
  expect(response.status).toBe(status);
  expect(await tykError(response)).toBe(message);
}

describe("API versioning", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi({
        api_id: "by-header",
        proxy: { listen_path: "/by-header/" },
        definition: { location: "header", key: "x-api-version" },
        version_data: { not_versioned: false, versions },
      }),
      keylessApi({
        api_id: "by-param",
        proxy: { listen_path: "/by-param/" },
        definition: { location: "url-param", key: "version" },
        version_data: { not_versioned: false, default_version: "v1", versions },
      }),
      keylessApi({
        api_id: "by-url",
        proxy: { listen_path: "/by-url/" },
        definition: { location: "url", strip_versioning_data: true },
        version_data: { not_versioned: false, versions },
      }),
      keylessApi({ api_id: "expired-api", expiration: "2001-01-01 00:00", proxy: { listen_path: "/expired-api/" } }),
    );
  });

  it("reads the version from a header", async () => {
    expect((await gateway("/by-header/x", { headers: { "x-api-version": "v1" } })).status).toBe(200);
  });

  it("answers Version information not found when the request names none and there is no default", async () => {
    await expectError(await gateway("/by-header/x"), 403, "Version information not found");
  });

  it("answers This API version does not seem to exist for unknown versions", async () => {
    await expectError(await gateway("/by-header/x", { headers: { "x-api-version": "v9" } }), 403, "This API version does not seem to exist");
  });

  it("refuses an expired version", async () => {
    await expectError(
      await gateway("/by-header/x", { headers: { "x-api-version": "v2" } }),
      403,
      "Api Version has expired, please check documentation or contact administrator",
    );
  });

  it("serves a version whose expiry is in the future", async () => {
    expect((await gateway("/by-header/x", { headers: { "x-api-version": "v3" } })).status).toBe(200);
  });

  it("reads the version from a query parameter and falls back to default_version", async () => {
    expect((await gateway("/by-param/x?version=v3")).status).toBe(200);
    expect((await gateway("/by-param/x")).status).toBe(200);
    expect((await gateway("/by-param/x?version=v2")).status).toBe(403);
  });

  it("reads the version from the first path segment and strips it", async () => {
    const echo = await echoOf(await gateway("/by-url/v1/orders"));
    expect(echo.path).toBe("/orders");
    await expectError(await gateway("/by-url/v7/orders"), 403, "This API version does not seem to exist");
  });

  it("refuses an expired API", async () => {
    await expectError(await gateway("/expired-api/x"), 403, "API has expired, please check documentation or contact administrator");
  });
});
