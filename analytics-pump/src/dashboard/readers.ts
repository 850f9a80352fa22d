import type { PumpConfig, SinkName } from "../config";
import type { DashboardQueries } from "./data";
import { ClickHouseDashboardQueries } from "./queries-clickhouse";
import { D1DashboardQueries } from "./queries-d1";
import { PostgresDashboardQueries } from "./queries-postgres";

/** Builds one sink's dashboard reader from the parsed configuration. */
export type DashboardQueriesFactory = (config: PumpConfig) => DashboardQueries;

/** Each sink's reader, connected as the sink's writer is (sinks/index.ts). */
const readers: Record<SinkName, DashboardQueriesFactory> = {
  d1: (config) => new D1DashboardQueries(config.ANALYTICS_DB!),
  postgres: (config) =>
    new PostgresDashboardQueries(config.HYPERDRIVE?.connectionString ?? config.POSTGRES_URL!, { tableSharding: config.PUMP_POSTGRES_TABLE_SHARDING }),
  clickhouse: (config) =>
    new ClickHouseDashboardQueries({
      url: config.CLICKHOUSE_URL!,
      database: config.CLICKHOUSE_DATABASE,
      user: config.CLICKHOUSE_USER,
      password: config.CLICKHOUSE_PASSWORD,
    }),
};

/** The dashboard reads the first sink ANALYTICS_SINKS names: every sink holds the same records. */
export function dashboardQueriesFor(config: PumpConfig): { sink: SinkName; queries: DashboardQueries } {
  const sink = config.ANALYTICS_SINKS[0]!;
  return { sink, queries: readers[sink](config) };
}
