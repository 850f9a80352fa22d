import type { Context } from "hono";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";
import { removeHopByHopHeaders, setForwardedHeaders } from "./headers";
import { pickTarget, upstreamUrl } from "./target";

const bodylessMethods = new Set(["GET", "HEAD"]);

function upstreamPath(c: Context<GatewayEnv>): string {
  const apiPath = c.get("apiPath");
  if (c.get("api").stripListenPath) return apiPath;
  const listenPrefix = c.get("listenPrefix");
  // "/api" (no trailing slash) stays "/api" rather than gaining one.
  return apiPath === "/" && c.get("url").pathname === listenPrefix ? listenPrefix : listenPrefix + apiPath;
}

/**
 * The last step: sends the request upstream and streams the answer back.
 * Bodies are never buffered in either direction.
 */
export async function proxyToUpstream(c: Context<GatewayEnv>): Promise<Response> {
  const api = c.get("api");
  const version = c.get("version");
  const headers = c.get("upstreamHeaders");
  const request = c.req.raw;
  removeHopByHopHeaders(headers);
  setForwardedHeaders(headers, request, c.get("url"));
  // Workers always send the target URL's host, so `preserve_host_header` cannot be honoured;
  // the client's Host travels in X-Forwarded-Host instead.
  headers.delete("host");

  const target =
    c.get("rewrittenUrl")?.toString() ?? upstreamUrl(pickTarget(api, version.overrideTarget), upstreamPath(c), c.get("upstreamQuery"));

  let upstream: Response;
  const sentAt = Date.now();
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: bodylessMethods.has(request.method) ? undefined : request.body,
      redirect: "manual",
    });
    c.set("upstreamLatency", Date.now() - sentAt);
  } catch (error) {
    console.error(JSON.stringify({ message: "upstream request failed", api_id: api.id, target, error: String(error) }));
    throw new TykError(500, messages.proxyFailed);
  }

  const responseHeaders = new Headers(upstream.headers);
  removeHopByHopHeaders(responseHeaders);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: responseHeaders });
}
