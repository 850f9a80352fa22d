import { randomBytes } from "node:crypto";
import { freePort } from "../../support/free-port";

export { freePort };

/**
 * The adapter's port and token are fixed when vitest.integration.config.ts is
 * built (the Worker's bindings need them) and handed to the global setup
 * through the environment of the same Node process.
 */
const portVariable = "PORTCULLIS_IT_UPSTASH_PORT";
const tokenVariable = "PORTCULLIS_IT_UPSTASH_TOKEN";

export interface Harness {
  adapterPort: number;
  adapterUrl: string;
  token: string;
}

/** Picks the port and token once per process; later calls (config reloads) agree. */
export async function reserveHarness(): Promise<Harness> {
  process.env[portVariable] ??= String(await freePort());
  process.env[tokenVariable] ??= randomBytes(24).toString("hex");
  return readHarness();
}

export function readHarness(): Harness {
  const adapterPort = Number(process.env[portVariable]);
  const token = process.env[tokenVariable];
  if (!Number.isInteger(adapterPort) || adapterPort <= 0 || !token) {
    throw new Error(`${portVariable}/${tokenVariable} are unset: run the suite with \`npm run test:integration\``);
  }
  return { adapterPort, adapterUrl: `http://127.0.0.1:${adapterPort}`, token };
}
