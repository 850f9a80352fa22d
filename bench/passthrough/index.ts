/**
 * The benchmark's baseline: a Worker that forwards every request to the
 * upstream origin and returns the answer untouched. Whatever the gateway costs
 * beyond this is the gateway's own cost.
 */
interface Env {
  UPSTREAM_ORIGIN: string;
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new Request(env.UPSTREAM_ORIGIN + url.pathname + url.search, request));
  },
} satisfies ExportedHandler<Env>;
