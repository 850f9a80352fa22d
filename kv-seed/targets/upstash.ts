import { Redis } from "@upstash/redis";
import { configVersionKey } from "../../src/store/store";
import type { SeedEntry } from "../plan";

export interface UpstashOptions {
  url: string;
  token: string;
}

/**
 * Writes every entry and bumps the config version in one MULTI/EXEC, so a
 * gateway never reloads half a seed. The version is INCRemented, not set,
 * because the gateway's Upstash store increments the same counter on reload.
 * Resolves to the new config version.
 */
export async function writeToUpstash(entries: SeedEntry[], options: UpstashOptions): Promise<string> {
  const redis = new Redis({ url: options.url, token: options.token, automaticDeserialization: false, enableTelemetry: false });
  const transaction = redis.multi();
  transaction.mset(Object.fromEntries(entries.map((entry) => [entry.key, entry.value])));
  transaction.incr(configVersionKey);
  const results = await transaction.exec();
  return String(results.at(-1));
}
