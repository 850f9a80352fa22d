import { RateLimiter } from "../../src/ratelimit/durable-object";

/*
 * The remote half of the round-trip model: the gateway's own RateLimiter
 * class in a workerd process of its own, answering calls forwarded over HTTP
 * by the gateway-side shim (shim.ts). `POST /<method>?name=<object>` with the
 * JSON array of arguments; the answer is the method's result as JSON.
 */

export { RateLimiter };

interface Env {
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
}

const methods = new Set(["acquire", "refund", "quotas", "resetQuotas", "drop"]);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const method = url.pathname.slice(1);
    const name = url.searchParams.get("name");
    if (request.method !== "POST" || !methods.has(method) || !name) return new Response("not found", { status: 404 });
    const args = (await request.json()) as unknown[];
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
    // The stub's methods are typed one by one; here they are reached by name, as the shim forwards them.
    const call = (stub as unknown as Record<string, (...values: unknown[]) => Promise<unknown>>)[method]!;
    const result = await call(...args);
    return Response.json(result ?? null);
  },
};
