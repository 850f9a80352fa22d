import { inject } from "vitest";
import { UpstashStore } from "../../../src/store/upstash";

/*
 * Test-side access (inside workerd) to the Upstash REST adapter and the real
 * redis-server behind it, as provided by test/integration/global-setup.ts.
 */

export const upstashUrl = () => inject("upstashUrl");
export const upstashToken = () => inject("upstashToken");

export function upstashStore(token = upstashToken()): UpstashStore {
  return new UpstashStore({ url: upstashUrl(), token });
}

type Argument = string | number | boolean;

export interface RestOptions {
  token?: string | null;
  base64?: boolean;
}

/** A raw Upstash REST call: `path` is "/", "/pipeline" or "/multi-exec". */
export function rest(path: string, body: unknown, options: RestOptions = {}): Promise<Response> {
  const headers = new Headers({ "content-type": "application/json" });
  const token = options.token === undefined ? upstashToken() : options.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (options.base64) headers.set("upstash-encoding", "base64");
  return fetch(new URL(path, upstashUrl()), { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

/** Runs commands in one pipeline and fails on any command error. */
export async function pipeline(commands: Argument[][]): Promise<unknown[]> {
  const response = await rest("/pipeline", commands);
  if (response.status !== 200) throw new Error(`pipeline failed: ${response.status} ${await response.text()}`);
  const outcomes = (await response.json()) as { result?: unknown; error?: string }[];
  const failed = outcomes.find((outcome) => outcome.error !== undefined);
  if (failed) throw new Error(`pipeline command failed: ${failed.error}`);
  return outcomes.map((outcome) => outcome.result);
}

export async function flushRedis(): Promise<void> {
  await pipeline([["FLUSHALL"]]);
}

async function control(action: "stop" | "start"): Promise<void> {
  const response = await fetch(new URL(`/redis/${action}`, inject("redisControlUrl")), { method: "POST" });
  if (response.status !== 200) throw new Error(`redis ${action} failed: ${response.status} ${await response.text()}`);
}

/** Really stops the redis-server process (the adapter then cannot reach it). */
export const stopRedis = () => control("stop");
export const startRedis = () => control("start");
