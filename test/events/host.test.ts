import { createScheduledController, env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import worker from "../../src/index";
import { FlakyChannel } from "../support/flaky-upstream";
import { keylessApi, loadApis } from "../support/gateway";
import { waitForCalls, webhook } from "./support";

/*
 * HostDown / HostUp, raised by the API's HostChecker Durable Object (no
 * request behind them) when its uptime checks mark a host down or up. The
 * alarms run through runDurableObjectAlarm; a long interval keeps real ones away.
 */

const eventBody = '{"type":"{{.Type}}","meta":{{jsonMarshal .Meta}}}';
const checker = (apiId: string) => env.HOST_CHECKER.get(env.HOST_CHECKER.idFromName(apiId));

async function runChecks(apiId: string, times: number): Promise<void> {
  for (let run = 0; run < times; run++) expect(await runDurableObjectAlarm(checker(apiId))).toBe(true);
}

describe("host status events", () => {
  const flaky = new FlakyChannel(inject("flakyUpstreamUrl"), "ev-host");
  const checkUrl = `${flaky.target}/health`;

  beforeAll(async () => {
    const hook = (inbox: string) => webhook(inbox, { body_template: eventBody });
    await loadApis(
      keylessApi({
        api_id: "ev-host",
        proxy: { listen_path: "/ev-host/", target_url: flaky.target },
        uptime_tests: { check_list: [{ url: checkUrl }] },
        event_handlers: { events: { HostDown: [hook("host-down")], HostUp: [hook("host-up")] } },
      }),
    );
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), { ...env, TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT: "600" });
  });

  it("raises HostDown when checks mark the host down and HostUp when they bring it back, with Tyk's HostInfo", async () => {
    await flaky.setMode("fail");
    await runChecks("ev-host", 3);
    const [down] = await waitForCalls("host-down", 1);
    expect(JSON.parse(down?.body ?? "{}")).toMatchObject({
      type: "HostDown",
      meta: { Message: "Uptime test failed", HostInfo: { CheckRequest: { CheckURL: checkUrl, Method: "GET" }, ResponseCode: 500, IsTCPError: false } },
    });

    await flaky.setMode("ok");
    await runChecks("ev-host", 3);
    const [up] = await waitForCalls("host-up", 1);
    expect(JSON.parse(up?.body ?? "{}")).toMatchObject({ type: "HostUp", meta: { Message: "Uptime test succeeded", HostInfo: { ResponseCode: 200 } } });
  });
});
