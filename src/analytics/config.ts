import * as z from "zod";
import { flag as flagWithDefault, optionalFlag } from "../lib/env";
import { regexProblem, safeRegExp } from "../lib/regex-safety";

/*
 * Analytics settings, named after Tyk's `enable_analytics` and
 * `analytics_config.*` environment overrides, plus Portcullis' own knobs for
 * the queue transport and the detailed-recording cap.
 */

const flag = flagWithDefault(false);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Tyk reads list settings as comma-separated values; a JSON array is accepted too, for regexes with commas. */
const list = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const text = value?.trim() ?? "";
    if (text === "") return [];
    if (!text.startsWith("["))
      return text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    const parsed = z.array(z.string()).safeParse(parseJson(text));
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: "custom", message: "must be a comma-separated list or a JSON array of strings" });
    return z.NEVER;
  });

const ipList = list.pipe(z.array(z.union([z.ipv4(), z.ipv6()], { error: "must be IP addresses" })));

const regexList = list.pipe(
  z.array(
    z.string().superRefine((source, ctx) => {
      const problem = regexProblem(source, "g");
      if (problem) ctx.addIssue({ code: "custom", message: `must be valid regular expressions that run in linear time: ${problem}` });
    }),
  ),
);

/** A queue message is at most 128 KB; two base64 blobs of this size still fit beside the rest of the record. */
export const maxDetailedBytes = 45_000;

const isQueue = (value: unknown): value is Queue => typeof value === "object" && value !== null && "sendBatch" in value;

export const analyticsEnvShape = {
  ANALYTICS_QUEUE: z.custom<Queue>(isQueue, "must be a Queue producer binding").optional(),
  /** Unset means "on when the ANALYTICS_QUEUE binding exists". */
  TYK_GW_ENABLEANALYTICS: optionalFlag,
  TYK_GW_ANALYTICSCONFIG_IGNOREDIPS: ipList,
  TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING: flag,
  PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES: z.coerce.number().int().min(0).max(maxDetailedBytes).optional(),
  TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED: flag,
  TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEUUIDS: flag,
  TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEULIDS: flag,
  TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS: flag,
  TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM: regexList,
  PORTCULLIS_ANALYTICS_FLUSH_MS: z.coerce.number().int().min(0).max(10_000).optional(),
};

const analyticsEnvSchema = z.object(analyticsEnvShape);
type AnalyticsEnv = z.output<typeof analyticsEnvSchema>;

export interface NormaliseUrls {
  uuids: boolean;
  ulids: boolean;
  numbers: boolean;
  custom: RegExp[];
}

export interface AnalyticsSettings {
  /** Undefined when analytics is off. */
  queue: Queue | undefined;
  ignoredIps: ReadonlySet<string>;
  detailedRecording: boolean;
  detailedMaxBytes: number;
  normaliseUrls: NormaliseUrls | null;
  /** How long a record waits for others from the same isolate before the batch is sent. */
  flushMs: number;
}

/** `TYK_GW_ENABLEANALYTICS=true` without a queue to write to is a deployment mistake: say so. */
export function requireAnalyticsQueue(env: Partial<AnalyticsEnv>, ctx: z.RefinementCtx): void {
  if (env.TYK_GW_ENABLEANALYTICS === true && env.ANALYTICS_QUEUE === undefined) {
    ctx.addIssue({ code: "custom", path: ["TYK_GW_ENABLEANALYTICS"], message: "is true but the ANALYTICS_QUEUE binding is missing" });
  }
}

export function analyticsSettings(env: AnalyticsEnv): AnalyticsSettings {
  const enabled = env.TYK_GW_ENABLEANALYTICS ?? env.ANALYTICS_QUEUE !== undefined;
  return {
    queue: enabled ? env.ANALYTICS_QUEUE : undefined,
    ignoredIps: new Set(env.TYK_GW_ANALYTICSCONFIG_IGNOREDIPS),
    detailedRecording: env.TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING,
    detailedMaxBytes: env.PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES ?? 16_384,
    normaliseUrls: env.TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED
      ? {
          uuids: env.TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEUUIDS,
          ulids: env.TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEULIDS,
          numbers: env.TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS,
          custom: env.TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM.map((source) => safeRegExp(source, "g")),
        }
      : null,
    flushMs: env.PORTCULLIS_ANALYTICS_FLUSH_MS ?? 20,
  };
}
