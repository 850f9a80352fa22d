import { beforeAll, describe, expect, it } from "vitest";
import { gateway, keylessApi, loadApis } from "../support/gateway";

describe("Tyk error documents", () => {
  beforeAll(async () => {
    await loadApis(keylessApi({ api_id: "secure", use_keyless: false, use_standard_auth: true, proxy: { listen_path: "/secure/" } }));
  });

  it("renders JSON with Tyk's four-space indent and X-Generator", async () => {
    const response = await gateway("/secure/x");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-generator")).toBe("tyk.io");
    expect(await response.text()).toBe('{\n    "error": "Authorization field missing"\n}');
  });

  it("renders XML when the client sent XML", async () => {
    const response = await gateway("/secure/x", { method: "POST", headers: { "content-type": "text/xml; charset=utf-8" }, body: "<a/>" });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("text/xml");
    expect(await response.text()).toBe("<error>Authorization field missing</error>");
  });
});
