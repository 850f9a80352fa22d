import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { gateway, keylessApi, loadApis } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";
import { protectedApi, waitForCalls, webhook } from "./support";

/*
 * Each event raised by the feature that owns it, with Tyk's meta data: every
 * webhook here renders the whole event (`jsonMarshal .Meta`), so the tests
 * see the fields a Tyk template would.
 */

const wholeEvent = (inbox: string) => webhook(inbox, { body_template: '{"type":"{{.Type}}","meta":{{jsonMarshal .Meta}}}' });

interface RenderedEvent {
  type: string;
  meta: Record<string, unknown>;
}

async function eventsIn(inbox: string, count = 1): Promise<RenderedEvent[]> {
  return (await waitForCalls(inbox, count)).map((call) => JSON.parse(call.body) as RenderedEvent);
}

const decoded = (base64: unknown) => atob(String(base64));

describe("events raised by the features that own them", () => {
  beforeAll(async () => {
    await loadApis(
      protectedApi("ev-auth", { AuthFailure: [wholeEvent("ev-auth")] }),
      protectedApi("ev-expiry", { KeyExpired: [wholeEvent("ev-expiry")] }),
      protectedApi("ev-limits", { RatelimitExceeded: [wholeEvent("ev-rate")], QuotaExceeded: [wholeEvent("ev-quota")] }),
      protectedApi(
        "ev-version",
        { VersionFailure: [wholeEvent("ev-version")] },
        {
          version_data: {
            not_versioned: true,
            versions: {
              Default: { name: "Default", extended_paths: { black_list: [{ path: "/blocked", method_actions: { GET: { action: "no_action" } } }] } },
            },
          },
        },
      ),
      protectedApi("ev-basic", { AuthFailure: [wholeEvent("ev-basic")] }, { use_standard_auth: false, use_basic_auth: true }),
      protectedApi("ev-log", { AuthFailure: [{ handler_name: "eh_log_handler", handler_meta: { prefix: "audit" } }] }),
    );
  });

  afterEach(() => vi.restoreAllMocks());

  it("AuthFailure: Tyk's key failure meta, with the request as it arrived", async () => {
    await gateway("/ev-auth/path?q=1", { headers: { authorization: "unknown-key-9876", "cf-connecting-ip": "198.51.100.7" } });
    const [event] = await eventsIn("ev-auth");
    expect(event?.type).toBe("AuthFailure");
    expect(event?.meta).toMatchObject({ Message: "Attempted access with non-existent key.", Path: "/ev-auth/path", Origin: "198.51.100.7", Key: "****9876" });
    expect(decoded(event?.meta.OriginatingRequest)).toMatch(/^GET \/ev-auth\/path\?q=1 HTTP\/1\.1\r\nHost: gateway\.test\r\n/);
  });

  it("AuthFailure from basic auth: a wrong password", async () => {
    const user = `user-${crypto.randomUUID()}`;
    expect((await gateway("/ev-basic/x", { headers: { authorization: `Basic ${btoa(`${user}:wrong`)}` } })).status).toBe(401);
    const [event] = await eventsIn("ev-basic");
    expect(event?.type).toBe("AuthFailure");
    expect(event?.meta.Path).toBe("/ev-basic/x");
  });

  it("KeyExpired: an expired key and an inactive one", async () => {
    const expired = await createKey({ ...accessTo("ev-expiry"), expires: Math.floor(Date.now() / 1000) - 60 });
    const inactive = await createKey({ ...accessTo("ev-expiry"), is_inactive: true });
    expect((await gateway("/ev-expiry/x", { headers: { authorization: expired } })).status).toBe(401);
    expect((await gateway("/ev-expiry/x", { headers: { authorization: inactive } })).status).toBe(403);
    const events = await eventsIn("ev-expiry", 2);
    expect(events.map((event) => [event.type, event.meta.Message, event.meta.Key])).toEqual([
      ["KeyExpired", "Attempted access from expired key.", `****${expired.slice(-4)}`],
      ["KeyExpired", "Attempted access from inactive key.", `****${inactive.slice(-4)}`],
    ]);
  });

  it("RatelimitExceeded (Tyk's spelling) and QuotaExceeded", async () => {
    const limited = await createKey({ ...accessTo("ev-limits"), rate: 1, per: 60 });
    const quota = await createKey({ ...accessTo("ev-limits"), quota_max: 1, quota_renewal_rate: 3600 });
    const statuses: number[] = [];
    for (const key of [limited, limited, quota, quota]) statuses.push((await gateway("/ev-limits/x", { headers: { authorization: key } })).status);
    expect(statuses).toEqual([200, 429, 200, 403]);
    const [rate] = await eventsIn("ev-rate");
    const [quotaEvent] = await eventsIn("ev-quota");
    expect(rate).toMatchObject({
      type: "RatelimitExceeded",
      meta: { Message: "Key Rate Limit Exceeded", Key: `****${limited.slice(-4)}`, Path: "/ev-limits/x" },
    });
    expect(quotaEvent).toMatchObject({ type: "QuotaExceeded", meta: { Message: "Key Quota Limit Exceeded", Key: `****${quota.slice(-4)}` } });
  });

  it("VersionFailure: the refusal as Reason", async () => {
    expect((await gateway("/ev-version/blocked")).status).toBe(403);
    const [event] = await eventsIn("ev-version");
    expect(event).toMatchObject({
      type: "VersionFailure",
      meta: { Message: "Attempted access to disallowed version / path.", Reason: "Requested endpoint is forbidden", Path: "/ev-version/blocked" },
    });
  });

  it("eh_log_handler: one structured warning line, prefix:Event, at raise time", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await gateway("/ev-log/x", { headers: { authorization: "unknown-key-4321", "cf-connecting-ip": "192.0.2.1" } });
    const lines = warnings.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((line) => line.event === "AuthFailure");
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "audit:AuthFailure",
        api_id: "ev-log",
        prefix: "audit",
        Key: "****4321",
        Origin: "192.0.2.1",
        Path: "/ev-log/x",
      }),
    ]);
    expect(lines[0]).not.toHaveProperty("OriginatingRequest");
  });

  it("gives an API without handlers no EventHandlers step, so its raises never build an event", () => {
    const config = parseGatewayConfig({});
    const chainOf = (definition: Record<string, unknown>) => {
      const compiled = compileDefinition(definition, config);
      return compiled.ok ? compiled.api.chain : [];
    };
    expect(chainOf(protectedApi("plain", {}))).not.toContain("EventHandlers");
    expect(chainOf(keylessApi({ event_handlers: { events: { AuthFailure: [] } } }))).not.toContain("EventHandlers");
    expect(chainOf(protectedApi("handled", { AuthFailure: [wholeEvent("x")] }))[0]).toBe("EventHandlers");
  });
});
