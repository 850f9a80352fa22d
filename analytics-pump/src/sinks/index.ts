import type { PumpConfig } from "../config";
import { ClickHouseSink } from "./clickhouse";
import { D1Sink } from "./d1";
import { PostgresSink } from "./postgres";
import type { Sink } from "./sink";

/** The sinks ANALYTICS_SINKS names, built from the parsed configuration. */
export function sinksFor(config: PumpConfig): Sink[] {
  return config.ANALYTICS_SINKS.map((name): Sink => {
    switch (name) {
      case "d1":
        return new D1Sink(config.ANALYTICS_DB!);
      case "postgres":
        // Hyperdrive when bound (production), else the plain connection string (local).
        return new PostgresSink(config.HYPERDRIVE?.connectionString ?? config.POSTGRES_URL!, { tableSharding: config.PUMP_POSTGRES_TABLE_SHARDING });
      case "clickhouse":
        return new ClickHouseSink({
          url: config.CLICKHOUSE_URL!,
          database: config.CLICKHOUSE_DATABASE,
          user: config.CLICKHOUSE_USER,
          password: config.CLICKHOUSE_PASSWORD,
        });
      default:
        // Unreachable: the config schema only admits the names above.
        throw new Error(`unknown analytics sink ${name satisfies never}`);
    }
  });
}
