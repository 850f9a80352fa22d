import * as z from "zod";
import { list } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import type { RequestContext } from "../chain/context";
import { type IpAddress, IpMatcher, parseIp, parseIpRange } from "../lib/ip-range";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's IPWhiteListMiddleware and IPBlackListMiddleware: before
 * authentication, a caller whose address is not in `allowed_ips`, or is in
 * `blacklisted_ips`, gets 403. Entries are addresses or CIDR ranges, IPv4 or
 * IPv6 (src/lib/ip-range.ts).
 *
 * Tyk checks a non-empty list unless `ip_access_control_disabled` is true and
 * the list's enable flag is false: clearing the flag alone does not turn a list
 * off (gateway/mw_ip_whitelist.go).
 *
 * The caller is `ctx.clientIp`, the gateway's one rule: only the header
 * PORTCULLIS_CLIENT_IP_HEADER names is believed, never one a client could set
 * unchecked (src/lib/client-ip.ts). An unknown or unreadable address is refused
 * by both lists: Tyk lets such a request past a block list, but a protection
 * must not open because an address is missing.
 */

/** Each entry parsed once when the definition is read; a bad one is refused at its index. */
const ipEntries = list(
  z.string().transform((entry, ctx) => {
    const parsed = parseIpRange(entry);
    if (parsed.ok) return parsed.range;
    ctx.addIssue({ code: "custom", message: parsed.reason });
    return z.NEVER;
  }),
);

const accessControlDisabled = z.boolean().default(false);

const allowFields = z.looseObject({
  enable_ip_whitelisting: z.boolean().default(false),
  allowed_ips: ipEntries,
  ip_access_control_disabled: accessControlDisabled,
});

const blockFields = z.looseObject({
  enable_ip_blacklisting: z.boolean().default(false),
  blacklisted_ips: ipEntries,
  ip_access_control_disabled: accessControlDisabled,
});

function enforced(enabled: boolean, disabled: boolean, entries: readonly unknown[]): boolean {
  return (enabled || !disabled) && entries.length > 0;
}

/** The caller's address, or null after logging why it cannot be checked. */
function callerAddress(ctx: RequestContext, listName: string): IpAddress | null {
  const address = parseIp(ctx.clientIp);
  if (!address) {
    const header = ctx.gateway.config.clientIpHeader || "(none: PORTCULLIS_CLIENT_IP_HEADER is empty)";
    ctx.log.warn(`client address unknown or unreadable; the IP ${listName} refuses the request`, { client_ip: ctx.clientIp, client_ip_header: header });
  }
  return address;
}

export const ipAllowList = defineFeature({
  name: "IPWhiteListMiddleware",
  fields: allowFields,
  honours: ["enable_ip_whitelisting", "allowed_ips", "ip_access_control_disabled"],
  compile: (definition) => {
    if (!enforced(definition.enable_ip_whitelisting, definition.ip_access_control_disabled, definition.allowed_ips)) return undefined;
    return new IpMatcher(definition.allowed_ips);
  },
  step: (allowed) => async (ctx, next) => {
    const address = callerAddress(ctx, "allow list");
    if (!address || !allowed.matches(address)) throw new TykError(403, messages.ipDisallowed);
    return next();
  },
});

export const ipBlockList = defineFeature({
  name: "IPBlackListMiddleware",
  fields: blockFields,
  honours: ["enable_ip_blacklisting", "blacklisted_ips", "ip_access_control_disabled"],
  compile: (definition) => {
    if (!enforced(definition.enable_ip_blacklisting, definition.ip_access_control_disabled, definition.blacklisted_ips)) return undefined;
    return new IpMatcher(definition.blacklisted_ips);
  },
  step: (blocked) => async (ctx, next) => {
    const address = callerAddress(ctx, "block list");
    if (!address || blocked.matches(address)) throw new TykError(403, messages.ipDisallowed);
    return next();
  },
});
