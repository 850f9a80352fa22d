import { describe, expect, it } from "vitest";
import { renderWebhookBody } from "../../src/events/body";
import { retryDelaySeconds } from "../../src/events/consumer";
import { requestChecksum } from "../../src/events/cooldown";
import { compileEventHandlers } from "../../src/events/handlers";
import type { EventMessage, QueuedWebhook } from "../../src/events/message";
import { obfuscateKey } from "../../src/events/meta";

const hook = (meta: Record<string, unknown>) => ({ handler_name: "eh_web_hook_handler", handler_meta: { target_path: "http://127.0.0.1:1/h", ...meta } });
const compile = (events: Record<string, unknown[] | null>) => compileEventHandlers({ events } as never, "api", undefined);

describe("event handler compilation", () => {
  it("compiles an API without handlers to nothing, so raising costs nothing", () => {
    expect(compile({}).events).toBeUndefined();
    expect(compile({ AuthFailure: [], KeyExpired: null }).events).toBeUndefined();
  });

  it("handles only the events that have a working handler", () => {
    const { events, skipped } = compile({ HostDown: [hook({})], AuthFailure: [hook({ disabled: true })] });
    expect(events?.handles("HostDown")).toBe(true);
    expect(events?.handles("AuthFailure")).toBe(false);
    expect(skipped).toEqual([]);
  });

  it("reports handlers it cannot run: JS and coprocess handlers, bad targets, template files, events never raised", () => {
    const { skipped } = compile({
      AuthFailure: [
        { handler_name: "eh_dynamic_handler", handler_meta: { name: "myHandler" } },
        { handler_name: "cp_dynamic_handler", handler_meta: { name: "py" } },
        hook({ target_path: "not a url" }),
        hook({ template_path: "templates/mine.json" }),
      ],
      OrgQuotaExceeded: [hook({})],
    });
    expect(skipped.map((entry) => entry.field)).toEqual([
      "event_handlers.events.AuthFailure.0",
      "event_handlers.events.AuthFailure.1",
      "event_handlers.events.AuthFailure.2",
      "event_handlers.events.AuthFailure.3",
      "event_handlers.events.OrgQuotaExceeded",
    ]);
    expect(skipped[3]?.reason).toContain("body_template");
  });
});

const webhook: QueuedWebhook = { method: "POST", url: "http://127.0.0.1:1/h", headers: {}, template: null, eventTimeout: 0 };
const message = (meta: Record<string, string>, template: string | null = null): EventMessage => ({
  apiId: "api",
  event: "AuthFailure",
  meta,
  timestamp: "2026-01-01T00:00:00.000Z",
  webhook: { ...webhook, template },
});

describe("webhook bodies", () => {
  it("renders the default template as JSON, escaping values as Tyk's html/template does", () => {
    const body = renderWebhookBody(message({ Message: 'a "quoted" <b>', Path: "/p", Origin: "1.2.3.4", Key: "****abcd" }));
    expect(JSON.parse(body)).toEqual({ event: "AuthFailure", message: "a &#34;quoted&#34; &lt;b&gt;", path: "/p", origin: "1.2.3.4", key: "****abcd" });
  });

  it("renders a custom template with .Type, .Meta and .TimeStamp", () => {
    expect(renderWebhookBody(message({ Key: "k" }, "{{.Type}}|{{.Meta.Key}}|{{.TimeStamp}}"))).toBe("AuthFailure|k|2026-01-01T00:00:00.000Z");
  });

  it("throws when the template does not parse", () => {
    expect(() => renderWebhookBody(message({}, "{{.Type"))).toThrow();
  });
});

describe("delivery helpers", () => {
  it("doubles the retry delay from the base, up to ten minutes", () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts, 5))).toEqual([5, 10, 20, 40]);
    expect(retryDelaySeconds(20, 5)).toBe(600);
  });

  it("checksums the whole request: same request, same checksum; any change, another", async () => {
    const same = await requestChecksum(webhook, "body");
    expect(await requestChecksum({ ...webhook }, "body")).toBe(same);
    expect(await requestChecksum(webhook, "other")).not.toBe(same);
    expect(await requestChecksum({ ...webhook, method: "PUT" }, "body")).not.toBe(same);
    expect(await requestChecksum({ ...webhook, headers: { "x-a": "1" } }, "body")).not.toBe(same);
  });

  it("obfuscates keys as Tyk does: the last four characters, or -- when shorter", () => {
    expect(obfuscateKey("abcdef123456")).toBe("****3456");
    expect(obfuscateKey("abcd")).toBe("--");
    expect(obfuscateKey(undefined)).toBe("");
  });
});
