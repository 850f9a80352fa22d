import * as z from "zod";
import { formatIssues } from "../../src/lib/validation";

export const sinkNames = ["d1", "postgres", "clickhouse"] as const;
export type SinkName = (typeof sinkNames)[number];

const binding = <T>(method: string, what: string) =>
  z.custom<T>((value) => typeof value === "object" && value !== null && method in value, `must be a ${what} binding`).optional();

const sinkList = z
  .string()
  .default("d1")
  .transform((value) => [
    ...new Set(
      value
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.enum(sinkNames, { error: `must list sinks out of ${sinkNames.join(", ")}` })).min(1, "must name at least one sink"));

/** The pump's Worker vars, secrets and bindings. */
export const pumpConfigSchema = z
  .object({
    ANALYTICS_SINKS: sinkList,
    ANALYTICS_DB: binding<D1Database>("batch", "D1"),
    HYPERDRIVE: binding<Hyperdrive>("connectionString", "Hyperdrive"),
    POSTGRES_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    /** tyk-pump's `table_sharding` for the postgres sink: a table per UTC day (`tyk_analytics_YYYYMMDD`, ...); a TOML boolean or its text. */
    PUMP_POSTGRES_TABLE_SHARDING: z.union([z.boolean(), z.stringbool()]).default(false),
    CLICKHOUSE_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain identifier")
      .default("default"),
    CLICKHOUSE_USER: z.string().default("default"),
    CLICKHOUSE_PASSWORD: z.string().default(""),
    DEAD_LETTER_QUEUE: binding<Queue>("sendBatch", "Queue producer"),
    PUMP_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(43_200).default(5),
    PUMP_RETRY_MAX_SECONDS: z.coerce.number().int().min(0).max(43_200).default(600),
    /** Opens the analytics dashboard (GET /dashboard) to whoever presents it; unset, the dashboard is off. */
    PUMP_DASHBOARD_SECRET: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    const need = (sink: SinkName, ok: boolean, path: string, message: string) => {
      if (env.ANALYTICS_SINKS.includes(sink) && !ok) ctx.addIssue({ code: "custom", path: [path], message });
    };
    need("d1", env.ANALYTICS_DB !== undefined, "ANALYTICS_DB", "the d1 sink needs the ANALYTICS_DB binding");
    need(
      "postgres",
      env.HYPERDRIVE !== undefined || env.POSTGRES_URL !== undefined,
      "POSTGRES_URL",
      "the postgres sink needs the HYPERDRIVE binding or POSTGRES_URL",
    );
    need("clickhouse", env.CLICKHOUSE_URL !== undefined, "CLICKHOUSE_URL", "the clickhouse sink needs CLICKHOUSE_URL");
  });

export type PumpConfig = z.output<typeof pumpConfigSchema>;

export class PumpConfigError extends Error {
  override name = "PumpConfigError";
}

const parsed = new WeakMap<object, PumpConfig>();

/** Parses the environment once per isolate; throws a PumpConfigError naming every bad variable. */
export function pumpConfig(env: object): PumpConfig {
  let config = parsed.get(env);
  if (!config) {
    const result = pumpConfigSchema.safeParse(env);
    if (!result.success) throw new PumpConfigError(`invalid analytics pump configuration: ${formatIssues(result.error)}`);
    config = result.data;
    parsed.set(env, config);
  }
  return config;
}

/** Seconds before the next delivery of a message on its `attempts`-th failure: doubling, capped. */
export function retryDelaySeconds(config: PumpConfig, attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(config.PUMP_RETRY_MAX_SECONDS, config.PUMP_RETRY_BASE_SECONDS * 2 ** exponent);
}
