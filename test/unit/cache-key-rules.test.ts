import { describe, expect, it } from "vitest";
import { storeSeconds, upstreamTtlHeader } from "../../src/cache/rules";

const off = { ttlHeader: undefined };
const on = { ttlHeader: upstreamTtlHeader };
const none = new Headers();

describe("what the response cache stores", () => {
  it("stores any status when cache_response_codes is empty, for the timeout", () => {
    expect(storeSeconds({ responseCodes: [], timeoutSeconds: 60 }, 500, none, off)).toBe(60);
  });

  it("stores only the listed statuses when there are any", () => {
    const rule = { responseCodes: [200, 404], timeoutSeconds: 30 };
    expect(storeSeconds(rule, 404, none, off)).toBe(30);
    expect(storeSeconds(rule, 500, none, off)).toBeNull();
  });

  it("stores nothing for a timeout of 0 or less", () => {
    expect(storeSeconds({ responseCodes: [], timeoutSeconds: 0 }, 200, none, off)).toBeNull();
  });

  it("ignores the upstream's headers unless enable_upstream_cache_control is on", () => {
    const headers = new Headers({ "x-tyk-cache-action-set": "1", "x-tyk-cache-action-set-ttl": "5" });
    expect(storeSeconds({ responseCodes: [200], timeoutSeconds: 60 }, 500, headers, off)).toBeNull();
    expect(storeSeconds({ responseCodes: [200], timeoutSeconds: 60 }, 200, headers, off)).toBe(60);
  });

  it("with upstream cache control, x-tyk-cache-action-set stores any status and the TTL header sets the lifetime", () => {
    const headers = new Headers({ "x-tyk-cache-action-set": "1", "x-tyk-cache-action-set-ttl": "5" });
    expect(storeSeconds({ responseCodes: [200], timeoutSeconds: 60 }, 500, headers, on)).toBe(5);
    expect(storeSeconds({ responseCodes: [200], timeoutSeconds: 60 }, 200, new Headers({ "x-tyk-cache-action-set-ttl": "0" }), on)).toBeNull();
  });

  it("reads the TTL from cache_control_ttl_header, and only as Go's Atoi would", () => {
    const custom = { ttlHeader: "x-ttl" };
    expect(storeSeconds({ responseCodes: [], timeoutSeconds: 60 }, 200, new Headers({ "x-ttl": "+7" }), custom)).toBe(7);
    expect(storeSeconds({ responseCodes: [], timeoutSeconds: 60 }, 200, new Headers({ "x-ttl": "7s" }), custom)).toBe(60);
    expect(storeSeconds({ responseCodes: [], timeoutSeconds: 60 }, 200, new Headers({ "x-tyk-cache-action-set-ttl": "7" }), custom)).toBe(60);
  });
});
