import { describe, expect, it } from "vitest";
import type { CoreApi } from "../../src/apidef/compile";
import { ChainOrderError, RequestContext } from "../../src/chain/context";
import type { Gateway } from "../../src/chain/gateway";
import { compose, type Step } from "../../src/chain/step";

const api = { id: "a", keyless: false } as CoreApi;
const gateway = { config: { clientIpHeader: "", hideGeneratorHeader: false } } as Gateway;

function contextFor(coreApi: CoreApi = api): RequestContext {
  const request = new Request("http://gateway.test/a/x");
  return new RequestContext(request, new URL(request.url), gateway, coreApi, 2, () => undefined);
}

describe("the chain", () => {
  it("runs steps in order, each able to change what comes back", async () => {
    const seen: string[] = [];
    const tag =
      (name: string): Step =>
      async (_ctx, next) => {
        seen.push(name);
        const response = await next();
        response.headers.append("x-steps", name);
        return response;
      };
    const last: Step = async () => new Response("done");
    const response = await compose([tag("first"), tag("second"), last])(contextFor());
    expect(seen).toEqual(["first", "second"]);
    expect(response.headers.get("x-steps")).toBe("second, first");
  });

  it("fails loudly when a step reads what an earlier step should have set", async () => {
    const readsVersion: Step = async (ctx) => new Response(ctx.version.name);
    await expect(compose([readsVersion])(contextFor())).rejects.toThrow(ChainOrderError);
    const readsIdentity: Step = async (ctx) => new Response(String(ctx.session));
    await expect(compose([readsIdentity])(contextFor())).rejects.toThrow('"identity" was read before authentication set it');
  });

  it("knows a keyless API's requests carry no key before any step runs", () => {
    expect(contextFor({ ...api, keyless: true }).identity).toBeNull();
  });

  it("says so when the last step forgets to answer", async () => {
    const passes: Step = (_ctx, next) => next();
    await expect(compose([passes])(contextFor())).rejects.toThrow("the chain ended without answering");
  });
});
