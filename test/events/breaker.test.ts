import { beforeAll, describe, expect, inject, it } from "vitest";
import { FlakyChannel } from "../support/flaky-upstream";
import { gateway, keylessApi, loadApis } from "../support/gateway";
import { waitForCalls, webhook } from "./support";

/*
 * Circuit breaker events: the CircuitBreaker object reports a transition once,
 * and the isolate that hears it raises Tyk's BreakerTriggered (CircuitEvent 0
 * tripped, 1 reset) and BreakerTripped / BreakerReset.
 */

const eventBody = '{"type":"{{.Type}}","meta":{{jsonMarshal .Meta}}}';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("circuit breaker events", () => {
  const flaky = new FlakyChannel(inject("flakyUpstreamUrl"), "ev-breaker");

  beforeAll(async () => {
    const hook = (inbox: string) => webhook(inbox, { body_template: eventBody });
    await loadApis(
      keylessApi({
        api_id: "ev-breaker",
        proxy: { listen_path: "/ev-breaker/", target_url: flaky.target },
        event_handlers: {
          events: { BreakerTriggered: [hook("breaker-triggered")], BreakerTripped: [hook("breaker-tripped")], BreakerReset: [hook("breaker-reset")] },
        },
        version_data: {
          not_versioned: true,
          versions: {
            Default: {
              name: "Default",
              extended_paths: {
                circuit_breakers: [
                  { path: "/flaky", method: "GET", threshold_percent: 1, samples: 2, return_to_service_after: 1, disable_half_open_state: true },
                ],
              },
            },
          },
        },
      }),
    );
  });

  it("raises BreakerTriggered (0) and BreakerTripped on a trip, then BreakerTriggered (1) and BreakerReset when it closes", async () => {
    await flaky.setMode("fail");
    for (let i = 0; i < 3; i++) await (await gateway("/ev-breaker/flaky")).body?.cancel();
    const [tripped] = await waitForCalls("breaker-tripped", 1);
    expect(JSON.parse(tripped?.body ?? "{}")).toMatchObject({ type: "BreakerTripped", meta: { APIID: "ev-breaker", Path: "/flaky", CircuitEvent: 0 } });

    await flaky.setMode("ok");
    await sleep(1_200);
    const deadline = Date.now() + 4_000;
    while ((await waitForCalls("breaker-reset", 1, 200)).length === 0 && Date.now() < deadline) {
      await (await gateway("/ev-breaker/flaky")).body?.cancel();
      await sleep(300);
    }
    const [reset] = await waitForCalls("breaker-reset", 1);
    expect(JSON.parse(reset?.body ?? "{}")).toMatchObject({ type: "BreakerReset", meta: { CircuitEvent: 1 } });
    const triggered = (await waitForCalls("breaker-triggered", 2)).map(
      (call) => (JSON.parse(call.body) as { meta: { CircuitEvent: number } }).meta.CircuitEvent,
    );
    expect(triggered).toEqual([0, 1]);
  });
});
