import { DurableObject } from "cloudflare:workers";

/*
 * The gateway-side stand-in for the RateLimiter binding in the round-trip
 * model: the gateway's code is unchanged and calls this object as it would
 * the real one; each call goes over HTTP (through the delay proxy) to the
 * real RateLimiter in another workerd process (server.ts).
 */

interface Env {
  /** The delay proxy in front of the remote limiter process. */
  REMOTE_LIMITER_URL: string;
}

export class RateLimiter extends DurableObject<Env> {
  acquire(...args: unknown[]): Promise<unknown> {
    return this.forward("acquire", args);
  }

  refund(...args: unknown[]): Promise<unknown> {
    return this.forward("refund", args);
  }

  quotas(): Promise<unknown> {
    return this.forward("quotas", []);
  }

  resetQuotas(): Promise<unknown> {
    return this.forward("resetQuotas", []);
  }

  drop(): Promise<unknown> {
    return this.forward("drop", []);
  }

  private async forward(method: string, args: unknown[]): Promise<unknown> {
    const name = this.ctx.id.name;
    if (!name) throw new Error("the shim needs objects addressed by name");
    const response = await fetch(`${this.env.REMOTE_LIMITER_URL}/${method}?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(args),
    });
    if (!response.ok) throw new Error(`remote limiter: ${response.status} ${await response.text()}`);
    return response.json();
  }
}

export default {
  fetch: () => new Response("remote limiter shim", { status: 404 }),
};
