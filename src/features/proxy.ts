import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { TykError } from "../lib/tyk-error";
import { allHostsDown, Balancer, FixedTargets } from "../proxy/balancer";
import { prepareUpstreamHeaders, withoutHopByHop } from "../proxy/headers";
import { sendUpstream } from "../proxy/send";
import { upstreamUrl } from "../proxy/target";
import { serviceDiscoveryFields, serviceDiscoveryHonours, serviceDiscoveryOf } from "./service-discovery";
import { hostStatusFor, reportUptimeTests, uptimeTestFields, uptimeTestHonours } from "./uptime-tests";

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
  fields: serviceDiscoveryFields.and(uptimeTestFields),
  honours: [...serviceDiscoveryHonours, ...uptimeTestHonours],
  report: (fields) => reportUptimeTests(fields),
  compile: (fields, api, settings) => {
    // With service discovery the discovered hosts replace every version's target; the definition's is the fallback.
    const discovery = serviceDiscoveryOf(fields);
    const hostStatus = hostStatusFor(fields, api, settings);
    const balancers = new Map(
      [...api.versions.values()].map((version) => {
        const fixed = new FixedTargets(version.overrideTarget ? [version.overrideTarget] : api.targets);
        return [version.name, new Balancer(discovery?.orElse(fixed) ?? fixed, hostStatus)] as const;
      }),
    );
    return { balancers, discovery };
  },
  step: (compiled, api) => async (ctx) => {
    prepareUpstreamHeaders(ctx.upstreamHeaders, ctx.request, ctx.url, ctx.clientIp);
    let target = ctx.rewrittenUrl?.toString();
    if (target === undefined) {
      const picked = await compiled.balancers.get(ctx.version.name)!.pick(ctx);
      if (!picked) {
        ctx.log.error("all hosts are down, uptime tests are failing");
        return allHostsDown();
      }
      target = upstreamUrl(picked, upstreamPath(ctx, api.stripListenPath), ctx.upstreamQuery);
    }

    let upstream: Response;
    try {
      upstream = await sendUpstream(ctx, target);
    } catch (error) {
      // A discovered host that timed out may be gone: the next request asks the discovery service again, as Tyk does.
      if (error instanceof TykError && error.status === 504) compiled.discovery?.drop();
      throw error;
    }
    return withoutHopByHop(upstream);
  },
});
