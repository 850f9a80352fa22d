import { env, SELF } from "cloudflare:test";
import { inject } from "vitest";
import { KvStore } from "../../src/store/kv";
import { testSecret } from "./constants";

export const adminHeaders = { "x-tyk-authorization": testSecret, "content-type": "application/json" };
export const upstreamUrl = () => inject("upstreamUrl");
export const store = () => new KvStore(env.GATEWAY_KV);

/** Sends a request to the gateway Worker running in workerd. */
export function gateway(path: string, init?: RequestInit & { host?: string }): Promise<Response> {
  const host = init?.host ?? "gateway.test";
  return SELF.fetch(`http://${host}${path}`, init);
}

export async function reload(): Promise<void> {
  const response = await gateway("/tyk/reload", { headers: adminHeaders });
  if (response.status !== 200) throw new Error(`reload failed: ${response.status} ${await response.text()}`);
}

/** Replaces every stored API with these definitions and reloads. */
export async function loadApis(...definitions: Record<string, unknown>[]): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
  for (const definition of definitions) await kv.put("apis", String(definition.api_id), definition);
  await reload();
}

/** A keyless API proxied to the test upstream; override any field. */
export function keylessApi(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { proxy, ...rest } = overrides;
  return {
    api_id: "keyless",
    name: "Keyless",
    org_id: "default",
    use_keyless: true,
    version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    ...rest,
    proxy: { listen_path: "/keyless/", target_url: upstreamUrl(), strip_listen_path: true, ...(proxy as object) },
  };
}

export interface Echo {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export async function echoOf(response: Response): Promise<Echo> {
  if (response.headers.get("x-upstream") !== "echo") throw new Error(`not an upstream echo: ${response.status} ${await response.text()}`);
  return (await response.json()) as Echo;
}

export async function tykError(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: string };
  return body.error ?? "";
}
