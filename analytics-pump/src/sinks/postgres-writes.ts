import { quote, statusCodeColumns } from "./tyk-pump-tables";

/*
 * The statements of a Postgres write. Rows arrive as one JSON parameter and
 * become the table's own row type, so any column order works (a converted
 * `tyk_analytics` and a new day table order their columns differently).
 */

/** Inserts rows, skipping ids already stored; returns the ids inserted. */
export const insertNewSql = (table: string) => `INSERT INTO ${table}
  SELECT * FROM json_populate_recordset(NULL::${table}, $1::text::json)
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

const sum = (column: string) => `${quote(column)} = total.${quote(column)} + excluded.${quote(column)}`;

/** tyk-pump's OnConflictAssignments: sums, averages over the summed hits, max/min, the latest last_time. */
const requestAssignments = [
  ...statusCodeColumns.map(sum),
  ...[
    "hits",
    "error",
    "success",
    "open_connections",
    "closed_connections",
    "bytes_in",
    "bytes_out",
    "total_request_time",
    "total_latency",
    "total_upstream_latency",
  ]
    .map((name) => `counter_${name}`)
    .map(sum),
  ...[
    ["request_time", "total_request_time"],
    ["upstream_latency", "total_upstream_latency"],
    ["latency", "total_latency"],
  ].map(
    ([average, total]) =>
      `counter_${average} = (total.counter_${total} + excluded.counter_${total}) / CAST(total.counter_hits + excluded.counter_hits AS REAL)`,
  ),
  ...["max_upstream_latency", "max_latency"].map((name) => `counter_${name} = greatest(total.counter_${name}, excluded.counter_${name})`),
  ...["min_upstream_latency", "min_latency"].map((name) => `counter_${name} = least(total.counter_${name}, excluded.counter_${name})`),
  "counter_last_time = excluded.counter_last_time",
];

/** OnConflictUptimeAssignments: sums and the latest last_time; tyk-pump never updates the average there. */
const uptimeAssignments = [
  ...statusCodeColumns.map(sum),
  ...["hits", "error", "success", "total_request_time"].map((name) => sum(`counter_${name}`)),
  "counter_last_time = excluded.counter_last_time",
];

const upsertSql = (table: string, assignments: string[]) => `INSERT INTO ${table} AS total
  SELECT * FROM json_populate_recordset(NULL::${table}, $1::text::json) ORDER BY id
  ON CONFLICT (id) DO UPDATE SET ${assignments.join(", ")}`;

export const aggregateUpsertSql = (table: string) => upsertSql(table, requestAssignments);
export const uptimeUpsertSql = (table: string) => upsertSql(table, uptimeAssignments);
