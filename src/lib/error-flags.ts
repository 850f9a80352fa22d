import { messages, type TykError } from "./tyk-error";

/*
 * Tyk's error classification (internal/errors/classification.go): a
 * three-letter flag per kind of failure, which `error_overrides` rules match
 * with `match.flag`. Tyk's middleware set the flag next to the error; here
 * most flags follow from Tyk's message, which each failure has its own of,
 * and a step sets `TykError.flag` where one message stands for several
 * failures (an unknown key and a key without access share theirs).
 */

export const responseFlags = [
  // upstream exchange: TLS, connection, DNS, routing, breaker, generic
  "TLE",
  "TLI",
  "TLM",
  "TLN",
  "TLH",
  "TLP",
  "TLA",
  "TLC",
  "UCF",
  "UCT",
  "URR",
  "URT",
  "EPI",
  "CAB",
  "NRS",
  "DNS",
  "NRH",
  "NHU",
  "CBO",
  "CDC",
  "URS",
  "UPE",
  // the gateway's own refusals
  "RLT",
  "QEX",
  "AMF",
  "AKI",
  "TKE",
  "TKI",
  "TCV",
  "EAD",
  "BTL",
  "CLM",
  "BIV",
  "IHD",
  "CRQ",
  "CMM",
] as const;

export type ResponseFlag = (typeof responseFlags)[number];

const byMessage = new Map<string, ResponseFlag>([
  [messages.authFieldMissing, "AMF"],
  [messages.basicMalformedHeader, "IHD"],
  [messages.basicMalformedEncoding, "IHD"],
  [messages.basicMalformedValues, "IHD"],
  [messages.basicBodyMissing("username"), "BIV"],
  [messages.basicBodyMissing("password"), "BIV"],
  [messages.jwtNotAuthorized, "TKI"],
  [messages.jwtUnexpectedAlgorithm, "TKI"],
  [messages.jwtClaims(messages.jwtExpired), "TKE"],
  [messages.rateLimited, "RLT"],
  [messages.apiRateLimited, "RLT"],
  [messages.quotaExceeded, "QEX"],
  [messages.requestTooLarge, "BTL"],
  [messages.contentLengthRequired, "CLM"],
  [messages.oauthBearerMalformed, "IHD"],
  [messages.oauthClientRevoked, "EAD"],
  [messages.breakerOpen, "CBO"],
  [messages.upstreamTimeout, "URT"],
  [messages.upstreamLookupFailed, "DNS"],
]);

const jsonParsePrefix = messages.jsonParseError("");
const claimsPrefix = messages.jwtClaims("");

/** The flag Tyk classifies this error with, or undefined when Tyk sets none (expired keys, IP lists, versions…). */
export function responseFlagOf(error: TykError): ResponseFlag | undefined {
  if (error.flag) return error.flag;
  const known = byMessage.get(error.message);
  if (known) return known;
  if (error.message.startsWith(jsonParsePrefix)) return "BIV";
  // Any other claim a JWT fails (not yet valid, issued in the future) is Tyk's "claims invalid".
  if (error.status === 401 && error.message.startsWith(claimsPrefix)) return "TCV";
  return undefined;
}

/**
 * Extra template variables Tyk hands an override's template: a body check's
 * finding as `InvalidParams` (the parser's complaint, or the schema problems).
 */
export function templateDataOf(error: TykError, flag: ResponseFlag | undefined): Record<string, string> {
  if (flag !== "BIV") return {};
  if (error.message.startsWith(jsonParsePrefix)) return { InvalidParams: error.message.slice(jsonParsePrefix.length) };
  return byMessage.has(error.message) ? {} : { InvalidParams: error.message };
}
