import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";
import { removeHopByHopHeaders, setForwardedHeaders } from "../proxy/headers";
import { RoundRobin, upstreamUrl } from "../proxy/target";

/*
 * The last step: sends the request upstream and streams the answer back.
 * Bodies are never buffered in either direction. Workers always send the
 * target URL's host, so `preserve_host_header` cannot be honoured; the
 * client's Host travels in X-Forwarded-Host instead.
 */

const bodylessMethods = new Set(["GET", "HEAD"]);

function upstreamPath(ctx: RequestContext, stripListenPath: boolean): string {
  if (stripListenPath) return ctx.apiPath;
  // "/api" (no trailing slash) stays "/api" rather than gaining one.
  return ctx.apiPath === "/" && ctx.url.pathname === ctx.listenPrefix ? ctx.listenPrefix : ctx.listenPrefix + ctx.apiPath;
}

export const proxyToUpstream = defineFeature({
  name: "ReverseProxy",
  honours: [],
  // One rotation per version, so versions and APIs never share a counter: each reaches all its targets.
  compile: (_fields, api) =>
    new Map([...api.versions.values()].map((version) => [version.name, new RoundRobin(version.overrideTarget ? [version.overrideTarget] : api.targets)])),
  step: (targetsByVersion, api) => async (ctx) => {
    const headers = ctx.upstreamHeaders;
    removeHopByHopHeaders(headers);
    setForwardedHeaders(headers, ctx.request, ctx.url, ctx.clientIp);
    headers.delete("host");
    const targets = targetsByVersion.get(ctx.version.name)!;
    const target = ctx.rewrittenUrl?.toString() ?? upstreamUrl(targets.pick(), upstreamPath(ctx, api.stripListenPath), ctx.upstreamQuery);

    let upstream: Response;
    const sentAt = Date.now();
    try {
      upstream = await fetch(target, {
        method: ctx.upstreamMethod,
        headers,
        body: bodylessMethods.has(ctx.upstreamMethod) ? undefined : ctx.upstreamBody,
        redirect: "manual",
      });
      ctx.upstreamLatency = Date.now() - sentAt;
    } catch (error) {
      // A step that wraps the body (size limits) ends the stream with its own answer.
      if (error instanceof TykError) throw error;
      ctx.log.error("upstream request failed", { target, error });
      throw new TykError(500, messages.proxyFailed);
    }

    const responseHeaders = new Headers(upstream.headers);
    removeHopByHopHeaders(responseHeaders);
    return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
  },
});
