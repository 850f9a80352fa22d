import type { Context } from "hono";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";
import { removeHopByHopHeaders, setForwardedHeaders } from "./headers";
import { pickTarget, upstreamUrl } from "./target";

const bodylessMethods = new Set(["GET", "HEAD"]);

function upstreamPath(c: Context<GatewayEnv>): string {
  const { apiPath, listenPrefix, url } = c.var;
  if (c.var.api.stripListenPath) return apiPath;
  // "/api" (no trailing slash) stays "/api" rather than gaining one.
  return apiPath === "/" && url.pathname === listenPrefix ? listenPrefix : listenPrefix + apiPath;
}

/**
 * The last step: sends the request upstream and streams the answer back.
 * Bodies are never buffered in either direction.
 */
export async function proxyToUpstream(c: Context<GatewayEnv>): Promise<Response> {
  const { api, version, upstreamHeaders: headers } = c.var;
  const request = c.req.raw;
  removeHopByHopHeaders(headers);
  setForwardedHeaders(headers, request, c.var.url);
  // Workers always send the target URL's host, so `preserve_host_header` cannot be honoured;
  // the client's Host travels in X-Forwarded-Host instead.
  headers.delete("host");

  const target =
    c.var.rewrittenUrl?.toString() ?? upstreamUrl(pickTarget(api, version.overrideTarget), upstreamPath(c), c.var.upstreamQuery);

  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: bodylessMethods.has(request.method) ? undefined : request.body,
      redirect: "manual",
    });
  } catch (error) {
    console.error(JSON.stringify({ message: "upstream request failed", api_id: api.id, target, error: String(error) }));
    throw new TykError(500, messages.proxyFailed);
  }

  const responseHeaders = new Headers(upstream.headers);
  removeHopByHopHeaders(responseHeaders);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
}
