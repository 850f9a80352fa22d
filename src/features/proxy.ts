import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { Balancer, FixedTargets } from "../proxy/balancer";
import { removeHopByHopHeaders, setForwardedHeaders } from "../proxy/headers";
import { sendUpstream } from "../proxy/send";
import { upstreamUrl } from "../proxy/target";

/*
 * The last step: sends the request upstream and streams the answer back.
 * Bodies are never buffered in either direction. Workers always send the
 * target URL's host, so `preserve_host_header` cannot be honoured; the
 * client's Host travels in X-Forwarded-Host instead.
 */

function upstreamPath(ctx: RequestContext, stripListenPath: boolean): string {
  if (stripListenPath) return ctx.apiPath;
  // "/api" (no trailing slash) stays "/api" rather than gaining one.
  return ctx.apiPath === "/" && ctx.url.pathname === ctx.listenPrefix ? ctx.listenPrefix : ctx.listenPrefix + ctx.apiPath;
}

export const proxyToUpstream = defineFeature({
  name: "ReverseProxy",
  honours: [],
  compile: (_fields, api) =>
    new Map(
      [...api.versions.values()].map((version) => [
        version.name,
        new Balancer(new FixedTargets(version.overrideTarget ? [version.overrideTarget] : api.targets)),
      ]),
    ),
  step: (balancers, api) => async (ctx) => {
    const headers = ctx.upstreamHeaders;
    removeHopByHopHeaders(headers);
    setForwardedHeaders(headers, ctx.request, ctx.url, ctx.clientIp);
    headers.delete("host");
    const target =
      ctx.rewrittenUrl?.toString() ?? upstreamUrl(await balancers.get(ctx.version.name)!.pick(ctx), upstreamPath(ctx, api.stripListenPath), ctx.upstreamQuery);

    const upstream = await sendUpstream(ctx, target);
    const responseHeaders = new Headers(upstream.headers);
    removeHopByHopHeaders(responseHeaders);
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
  },
});
